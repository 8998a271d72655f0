//! `wasmtime-platform-compiler TARGET MODULE.wat OUTPUT.cwasm`: precompiles a module for
//! TARGET's baseline CPU (x86_64-unknown-none for the custom platform: an OS-less triple, and
//! no CPU feature beyond the baseline, which the platform's engine cannot probe for).
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, target, input, output] = args.as_slice() else {
        eprintln!("usage: wasmtime-platform-compiler TARGET MODULE.wat OUTPUT.cwasm");
        return ExitCode::from(2);
    };
    match compile(target, input, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("wasmtime-platform-compiler: {input}: {error:?}");
            ExitCode::FAILURE
        }
    }
}

fn compile(target: &str, input: &str, output: &str) -> wasmtime::Result<()> {
    let mut config = wasmtime::Config::new();
    config.target(target)?;
    let engine = wasmtime::Engine::new(&config)?;
    let compiled = engine.precompile_module(&std::fs::read(input)?)?;
    std::fs::write(output, compiled)?;
    Ok(())
}
