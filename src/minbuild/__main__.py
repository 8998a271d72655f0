from minbuild.cli.main import main

raise SystemExit(main())
