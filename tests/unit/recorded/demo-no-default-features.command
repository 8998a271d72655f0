$ CARGO_PROFILE_MINBUILD_INHERITS=release CARGO_TARGET_DIR=/tmp/minbuild-rec/state/target RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo build --manifest-path /tmp/minbuild-rec/demo/Cargo.toml --package tinyvm --bin tinyvm --profile minbuild --no-default-features --features run --message-format=json-render-diagnostics
# exit 0 after 3.1s
