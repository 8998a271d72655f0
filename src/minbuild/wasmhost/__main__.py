from minbuild.wasmhost.host import main

raise SystemExit(main())
