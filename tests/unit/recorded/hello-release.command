$ CARGO_PROFILE_MINBUILD_INHERITS=release RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo build --manifest-path /tmp/minbuild-rec/hello/Cargo.toml --target-dir /tmp/minbuild-rec/state/target --package hello --bin hello --profile minbuild --message-format=json-render-diagnostics
# exit 0 after 0.5s
