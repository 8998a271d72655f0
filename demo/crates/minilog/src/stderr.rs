//! A simple logger that writes one line per record to standard error.

use crate::{Level, LevelFilter, Log, Record};
use std::io::Write;

/// Writes `[LEVEL target] message` lines to standard error.
#[derive(Debug, Default)]
pub struct StderrLogger;

impl Log for StderrLogger {
    fn enabled(&self, level: Level, _target: &str) -> bool {
        crate::max_level().allows(level)
    }

    fn log(&self, record: &Record<'_>) {
        let stderr = std::io::stderr();
        let mut out = stderr.lock();
        // Logging must never take the program down: ignore write errors.
        let _ = writeln!(
            out,
            "[{:<5} {}] {}",
            record.level, record.target, record.args
        );
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

static STDERR_LOGGER: StderrLogger = StderrLogger;

/// Install [`StderrLogger`] with the given maximum level.
///
/// If a logger is already installed only the level is changed.
pub fn init_with_level(level: LevelFilter) {
    // Ignoring the error keeps repeated initialisation harmless.
    let _ = crate::set_logger(&STDERR_LOGGER);
    crate::set_max_level(level);
}

/// Install [`StderrLogger`], reading the level from the environment
/// variable `var` (`off`, `error`, `warn`, `info`, `debug`, `trace`).
/// Defaults to `warn` when the variable is unset or empty. Returns the
/// level that was installed.
pub fn init_from_env(var: &str) -> LevelFilter {
    let level = match std::env::var(var) {
        Ok(value) if !value.trim().is_empty() => match value.parse::<LevelFilter>() {
            Ok(level) => level,
            Err(err) => {
                let _ = writeln!(std::io::stderr(), "warning: {var}: {err}; using warn");
                LevelFilter::Warn
            }
        },
        _ => LevelFilter::Warn,
    };
    init_with_level(level);
    level
}
