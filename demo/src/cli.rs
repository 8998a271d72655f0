//! Hand-written command-line parsing.

use minilog::{debug, trace};
use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

pub const USAGE: &str = "\
Usage: tinyvm <COMMAND> [ARGS]

Commands:
  compile <SRC.tvm> [-o <OUT.tvmb>]     Assemble a source file into bytecode
  run [OPTIONS] <PROG.tvmb> [INT ...]   Execute a bytecode file
  eval [OPTIONS] <SRC.tvm> [INT ...]    Assemble and execute a source file
  disasm <PROG.tvmb>                    Print a listing of a bytecode file
  features                              List the cargo features of this build

Run options (before the program path):
  --fuel <N>     Trap after executing N instructions
  --stats        Print execution statistics to stderr

Options:
  -h, --help     Print this help
  -V, --version  Print the version

The INT arguments are available to the program through `argc` and `arg`.

Environment:
  TINYVM_LOG     Log level: off, error, warn, info, debug, trace (default: warn)
";

/// Options shared by `run` and `eval`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    pub fuel: Option<u64>,
    pub stats: bool,
}

/// A file to execute, its integer arguments and options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub path: PathBuf,
    pub args: Vec<i64>,
    pub options: RunOptions,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Help,
    Version,
    Features,
    Compile { src: PathBuf, out: PathBuf },
    Run(Execution),
    Eval(Execution),
    Disasm { path: PathBuf },
}

/// Why the command line could not be turned into a [`Command`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    Usage(String),
    MissingFeature(&'static str),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(msg) => f.write_str(msg),
            CliError::MissingFeature(feature) => {
                write!(f, "this build has no '{feature}' feature")
            }
        }
    }
}

fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

/// Fail unless the named cargo feature was compiled in.
fn require(feature: &'static str, enabled: bool) -> Result<(), CliError> {
    if enabled {
        Ok(())
    } else {
        Err(CliError::MissingFeature(feature))
    }
}

fn utf8(arg: &OsString) -> Result<&str, CliError> {
    arg.to_str()
        .ok_or_else(|| usage(format!("argument {arg:?} is not valid UTF-8")))
}

/// Parse the arguments after the program name.
pub fn parse(args: &[OsString]) -> Result<Command, CliError> {
    let Some((first, rest)) = args.split_first() else {
        return Err(usage("no command given"));
    };
    let command = match utf8(first)? {
        "-h" | "--help" | "help" => Command::Help,
        "-V" | "--version" => Command::Version,
        "features" => no_more_args("features", rest).map(|()| Command::Features)?,
        "compile" => {
            require("compile", cfg!(feature = "compile"))?;
            parse_compile(rest)?
        }
        "run" => {
            require("run", cfg!(feature = "run"))?;
            Command::Run(parse_execution("run", rest)?)
        }
        "eval" => {
            require("compile", cfg!(feature = "compile"))?;
            require("run", cfg!(feature = "run"))?;
            Command::Eval(parse_execution("eval", rest)?)
        }
        "disasm" => match rest {
            [path] => Command::Disasm {
                path: PathBuf::from(path),
            },
            _ => return Err(usage("disasm takes exactly one argument: <PROG.tvmb>")),
        },
        other if other.starts_with('-') => return Err(usage(format!("unknown option '{other}'"))),
        other => return Err(usage(format!("unknown command '{other}'"))),
    };
    debug!("parsed command line: {:?}", command);
    Ok(command)
}

fn no_more_args(command: &str, rest: &[OsString]) -> Result<(), CliError> {
    match rest.first() {
        None => Ok(()),
        Some(arg) => Err(usage(format!(
            "unexpected argument {arg:?} for '{command}'"
        ))),
    }
}

fn parse_compile(rest: &[OsString]) -> Result<Command, CliError> {
    let mut src: Option<PathBuf> = None;
    let mut out: Option<PathBuf> = None;
    let mut iter = rest.iter();
    while let Some(arg) = iter.next() {
        if arg == "-o" || arg == "--output" {
            let path = iter
                .next()
                .ok_or_else(|| usage("option '-o' needs a file name"))?;
            if out.replace(PathBuf::from(path)).is_some() {
                return Err(usage("option '-o' given twice"));
            }
        } else if arg
            .to_str()
            .is_some_and(|a| a.starts_with('-') && a.len() > 1)
        {
            return Err(usage(format!("unknown option {arg:?} for 'compile'")));
        } else if src.replace(PathBuf::from(arg)).is_some() {
            return Err(usage("compile takes exactly one source file"));
        }
    }
    let src = src.ok_or_else(|| usage("compile needs a source file: <SRC.tvm>"))?;
    let out = out.unwrap_or_else(|| src.with_extension("tvmb"));
    Ok(Command::Compile { src, out })
}

fn parse_execution(command: &str, rest: &[OsString]) -> Result<Execution, CliError> {
    let mut options = RunOptions::default();
    let mut iter = rest.iter();
    let path = loop {
        let Some(arg) = iter.next() else {
            return Err(usage(format!("{command} needs a file to execute")));
        };
        match utf8(arg) {
            Ok("--stats") => options.stats = true,
            Ok("--fuel") => {
                let value = iter
                    .next()
                    .ok_or_else(|| usage("option '--fuel' needs a number"))?;
                let fuel = utf8(value)?
                    .parse::<u64>()
                    .map_err(|_| usage(format!("invalid fuel amount {value:?}")))?;
                options.fuel = Some(fuel);
            }
            Ok("--") => {
                break PathBuf::from(
                    iter.next()
                        .ok_or_else(|| usage(format!("{command} needs a file to execute")))?,
                )
            }
            Ok(opt) if opt.starts_with("--") => {
                return Err(usage(format!("unknown option '{opt}' for '{command}'")))
            }
            _ => break PathBuf::from(arg),
        }
    };
    let args = iter
        .map(|arg| {
            let text = utf8(arg)?;
            text.parse::<i64>()
                .map_err(|_| usage(format!("program argument '{text}' is not a 64-bit integer")))
        })
        .collect::<Result<Vec<i64>, CliError>>()?;
    trace!(
        "{} {:?} args={:?} options={:?}",
        command,
        path,
        args,
        options
    );
    Ok(Execution {
        path,
        args,
        options,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, CliError> {
        let args: Vec<OsString> = line.split_whitespace().map(OsString::from).collect();
        parse(&args)
    }

    #[test]
    fn global_commands() {
        assert_eq!(parse_str("--help"), Ok(Command::Help));
        assert_eq!(parse_str("-V"), Ok(Command::Version));
        assert_eq!(parse_str("features"), Ok(Command::Features));
        assert_eq!(
            parse_str("disasm a.tvmb"),
            Ok(Command::Disasm {
                path: "a.tvmb".into()
            })
        );
        assert!(matches!(parse_str(""), Err(CliError::Usage(_))));
        assert!(matches!(parse_str("frobnicate"), Err(CliError::Usage(_))));
        assert!(matches!(parse_str("features x"), Err(CliError::Usage(_))));
        assert!(matches!(parse_str("disasm"), Err(CliError::Usage(_))));
    }

    #[test]
    fn compile_arguments() {
        let result = parse_str("compile -o out.bin prog.tvm");
        if cfg!(feature = "compile") {
            assert_eq!(
                result,
                Ok(Command::Compile {
                    src: "prog.tvm".into(),
                    out: "out.bin".into()
                })
            );
            assert_eq!(
                parse_str("compile dir/prog.tvm"),
                Ok(Command::Compile {
                    src: "dir/prog.tvm".into(),
                    out: "dir/prog.tvmb".into()
                })
            );
            assert!(matches!(parse_str("compile a b"), Err(CliError::Usage(_))));
            assert!(matches!(parse_str("compile a -o"), Err(CliError::Usage(_))));
        } else {
            assert_eq!(result, Err(CliError::MissingFeature("compile")));
        }
    }

    #[test]
    fn run_arguments() {
        let result = parse_str("run --fuel 100 --stats p.tvmb 1 -2 +3");
        if cfg!(feature = "run") {
            assert_eq!(
                result,
                Ok(Command::Run(Execution {
                    path: "p.tvmb".into(),
                    args: vec![1, -2, 3],
                    options: RunOptions {
                        fuel: Some(100),
                        stats: true
                    },
                }))
            );
            assert!(matches!(parse_str("run p.tvmb x"), Err(CliError::Usage(_))));
            assert!(matches!(parse_str("run --fuel"), Err(CliError::Usage(_))));
            assert!(matches!(
                parse_str("run --bogus p"),
                Err(CliError::Usage(_))
            ));
            assert!(matches!(parse_str("run"), Err(CliError::Usage(_))));
        } else {
            assert_eq!(result, Err(CliError::MissingFeature("run")));
        }
    }
}
