$ CARGO_PROFILE_MINBUILD_INHERITS=release RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo build --manifest-path /tmp/minbuild-rec/demo/Cargo.toml --target-dir /tmp/minbuild-rec/state/target --package tinyvm --bin tinyvm --profile minbuild --no-default-features --features run --message-format=json-render-diagnostics
# exit 0 after 3.1s
