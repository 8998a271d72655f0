//! `tinyvm`: assemble, run and inspect programs for a tiny stack machine.
//!
//! Which subcommands work depends on the cargo features the binary was
//! built with; `tinyvm features` lists them.

mod cli;

use cli::{CliError, Command};
use minilog::{debug, info, trace};
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tvm_core::{disassemble, DecodeError, Program};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Everything that can make `tinyvm` fail.
#[derive(Debug)]
enum Error {
    Cli(CliError),
    Io {
        path: PathBuf,
        err: io::Error,
    },
    Decode {
        path: PathBuf,
        err: DecodeError,
    },
    Output(io::Error),
    #[cfg(feature = "compile")]
    Asm {
        path: PathBuf,
        err: tvm_asm::AsmError,
    },
    #[cfg(feature = "run")]
    Trap(tvm_core::Fault),
}

impl Error {
    fn exit_code(&self) -> u8 {
        match self {
            Error::Cli(_) => 2,
            _ => 1,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Cli(err) => write!(f, "{err}"),
            Error::Io { path, err } => write!(f, "{}: {err}", path.display()),
            Error::Decode { path, err } => write!(f, "{}: {err}", path.display()),
            Error::Output(err) => write!(f, "failed to write output: {err}"),
            #[cfg(feature = "compile")]
            Error::Asm { path, err } => match err.pos() {
                // AsmError already starts with "line:col: ".
                Some(_) => write!(f, "{}:{err}", path.display()),
                None => write!(f, "{}: {err}", path.display()),
            },
            #[cfg(feature = "run")]
            Error::Trap(fault) => write!(f, "trap: {fault}"),
        }
    }
}

impl From<CliError> for Error {
    fn from(err: CliError) -> Self {
        Error::Cli(err)
    }
}

fn main() -> ExitCode {
    #[cfg(feature = "logging")]
    {
        let level = minilog::init_from_env("TINYVM_LOG");
        debug!("stderr logger installed at level {}", level);
    }
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    debug!("tinyvm {} invoked with {:?}", VERSION, args);

    let result = cli::parse(&args).map_err(Error::from).and_then(execute);
    minilog::flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            debug!("failing with {:?}", err);
            eprintln!("error: {err}");
            if let Error::Cli(CliError::Usage(_)) = err {
                eprintln!("Run 'tinyvm --help' for usage.");
            }
            ExitCode::from(err.exit_code())
        }
    }
}

fn execute(command: Command) -> Result<(), Error> {
    match command {
        Command::Help => print_stdout(&format!(
            "tinyvm {VERSION} - a tiny stack-machine VM\n\n{}",
            cli::USAGE
        )),
        Command::Version => print_stdout(&format!("tinyvm {VERSION}\n")),
        Command::Features => print_stdout(&features()),
        Command::Disasm { path } => {
            let program = load_bytecode(&path)?;
            print_stdout(&disassemble(&program))
        }
        Command::Compile { src, out } => commands::compile(&src, &out),
        Command::Run(exec) => commands::run(exec),
        Command::Eval(exec) => commands::eval(exec),
    }
}

/// The enabled cargo features, one per line, in alphabetical order.
fn features() -> String {
    let all = [
        ("compile", cfg!(feature = "compile")),
        ("disable-logging", cfg!(feature = "disable-logging")),
        ("logging", cfg!(feature = "logging")),
        ("run", cfg!(feature = "run")),
    ];
    let mut out = String::new();
    for (name, enabled) in all {
        trace!("feature {:?} enabled: {}", name, enabled);
        if enabled {
            out.push_str(name);
            out.push('\n');
        }
    }
    out
}

fn print_stdout(text: &str) -> Result<(), Error> {
    let mut stdout = io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(Error::Output)
}

fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    let bytes = std::fs::read(path).map_err(|err| Error::Io {
        path: path.to_path_buf(),
        err,
    })?;
    debug!("read {} bytes from {:?}", bytes.len(), path);
    Ok(bytes)
}

fn load_bytecode(path: &Path) -> Result<Program, Error> {
    let bytes = read_file(path)?;
    let program = Program::decode(&bytes).map_err(|err| Error::Decode {
        path: path.to_path_buf(),
        err,
    })?;
    info!(
        "loaded {:?}: {} functions, entry {:?}",
        path,
        program.functions.len(),
        program.entry_function().map(|f| &f.name)
    );
    Ok(program)
}

/// The feature-dependent commands. Each has a stub for builds without the
/// feature; the stubs are unreachable because `cli::parse` rejects those
/// commands first, but they keep every build configuration compiling.
mod commands {
    #[allow(unused_imports)]
    use super::*;
    #[allow(unused_imports)]
    use crate::cli::Execution;

    #[cfg(feature = "compile")]
    fn assemble_file(src: &Path) -> Result<Program, Error> {
        let bytes = read_file(src)?;
        let text = String::from_utf8(bytes).map_err(|err| Error::Io {
            path: src.to_path_buf(),
            err: io::Error::new(io::ErrorKind::InvalidData, err),
        })?;
        let program = tvm_asm::assemble(&text).map_err(|err| Error::Asm {
            path: src.to_path_buf(),
            err,
        })?;
        info!(
            "assembled {:?}: {} instructions, {} constants",
            src,
            program.instruction_count(),
            program.constants.len()
        );
        Ok(program)
    }

    #[cfg(feature = "compile")]
    pub fn compile(src: &Path, out: &Path) -> Result<(), Error> {
        info!("compiling {:?} -> {:?}", src, out);
        let program = assemble_file(src)?;
        let bytes = program.encode();
        std::fs::write(out, &bytes).map_err(|err| Error::Io {
            path: out.to_path_buf(),
            err,
        })?;
        info!("wrote {} bytes to {:?}", bytes.len(), out);
        Ok(())
    }

    #[cfg(not(feature = "compile"))]
    pub fn compile(_src: &Path, _out: &Path) -> Result<(), Error> {
        Err(CliError::MissingFeature("compile").into())
    }

    #[cfg(feature = "run")]
    fn execute_program(program: &Program, exec: &Execution) -> Result<(), Error> {
        use tvm_core::{Exit, Limits, Machine};

        let limits = Limits {
            fuel: exec.options.fuel,
            ..Limits::default()
        };
        debug!(
            "running {:?} with args {:?}, {:?}",
            exec.path, exec.args, limits
        );
        let stdout = io::BufWriter::new(io::stdout().lock());
        let mut machine = Machine::new(program, stdout)
            .with_limits(limits)
            .with_args(exec.args.clone());
        let result = machine.run();
        let stats = machine.stats().clone();
        info!("execution statistics: {:?}", stats);
        if exec.options.stats {
            eprintln!(
                "steps: {}\ncalls: {}\nmax stack depth: {}\nmax call depth: {}\narrays: {} ({} cells)",
                stats.steps, stats.calls, stats.max_stack, stats.max_depth, stats.arrays, stats.heap_cells
            );
        }
        match result {
            Ok(Exit::Halted) => Ok(()),
            Ok(Exit::Returned(value)) => {
                debug!("entry function returned {}", value);
                Ok(())
            }
            Err(fault) => {
                info!("program trapped after {} steps", stats.steps);
                Err(Error::Trap(fault))
            }
        }
    }

    #[cfg(feature = "run")]
    pub fn run(exec: Execution) -> Result<(), Error> {
        let program = load_bytecode(&exec.path)?;
        execute_program(&program, &exec)
    }

    #[cfg(not(feature = "run"))]
    pub fn run(_exec: Execution) -> Result<(), Error> {
        Err(CliError::MissingFeature("run").into())
    }

    #[cfg(all(feature = "compile", feature = "run"))]
    pub fn eval(exec: Execution) -> Result<(), Error> {
        let program = assemble_file(&exec.path)?;
        execute_program(&program, &exec)
    }

    #[cfg(not(all(feature = "compile", feature = "run")))]
    pub fn eval(_exec: Execution) -> Result<(), Error> {
        let missing = if cfg!(feature = "compile") {
            "run"
        } else {
            "compile"
        };
        Err(CliError::MissingFeature(missing).into())
    }
}
