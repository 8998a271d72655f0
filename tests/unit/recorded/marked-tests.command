$ RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 RUSTDOC=/usr/bin/rustdoc /usr/bin/cargo --locked test --no-run --manifest-path /tmp/minbuild-rec/marked/Cargo.toml --target-dir /tmp/minbuild-rec/state/target-tests --package marked --test cli --message-format=json-render-diagnostics
# exit 0 after 3.6s
