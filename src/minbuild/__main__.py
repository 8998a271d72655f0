from minbuild.cli import main

raise SystemExit(main())
