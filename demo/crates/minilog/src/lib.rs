//! A tiny leveled logging facade, modelled on the `log` crate.
//!
//! * The macros [`error!`], [`warn!`], [`info!`], [`debug!`] and [`trace!`]
//!   take `format!`-style arguments.
//! * A logger is installed once with [`set_logger`]; until then every log
//!   statement is a cheap no-op (but still compiled in).
//! * The runtime filter is [`set_max_level`] / [`max_level`].
//! * The compile-time filter is [`STATIC_MAX_LEVEL`]. With the feature
//!   `max_level_off` it is [`LevelFilter::Off`], so the condition in every
//!   macro expansion is constant-false and the optimizer removes the log
//!   statement together with its format strings and formatting code.
//! * With the feature `std-logger`, [`StderrLogger`] and [`init_from_env`]
//!   provide a ready-made logger that writes to standard error.
//! * On the custom platform (`--cfg tinyvm_platform`) the crate is `no_std`
//!   (`core` and `alloc`) and `std-logger` is not available.

#![cfg_attr(tinyvm_platform, no_std)]

extern crate alloc;

use alloc::string::{String, ToString};
use core::fmt;
use core::str::FromStr;
use core::sync::atomic::{AtomicUsize, Ordering};
#[cfg(tinyvm_platform)]
use once::OnceLock;
#[cfg(not(tinyvm_platform))]
use std::sync::OnceLock;

#[cfg(tinyvm_platform)]
mod once;
#[cfg(all(tinyvm_platform, feature = "std-logger"))]
compile_error!("minilog: `std-logger` needs std; the custom platform (tinyvm_platform) has none");

#[cfg(feature = "std-logger")]
mod stderr;
#[cfg(feature = "std-logger")]
pub use stderr::{init_from_env, init_with_level, StderrLogger};

/// The severity of a log record. `Error` is the most severe.
#[repr(usize)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Error = 1,
    Warn,
    Info,
    Debug,
    Trace,
}

/// A level threshold: records with a level above the filter are dropped.
#[repr(usize)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LevelFilter {
    Off = 0,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl Level {
    /// Numeric value used for comparisons against a [`LevelFilter`].
    #[inline(always)]
    pub const fn as_usize(self) -> usize {
        self as usize
    }

    pub const fn as_str(self) -> &'static str {
        match self {
            Level::Error => "ERROR",
            Level::Warn => "WARN",
            Level::Info => "INFO",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        }
    }

    /// The filter that lets this level (and everything more severe) through.
    pub const fn to_filter(self) -> LevelFilter {
        match self {
            Level::Error => LevelFilter::Error,
            Level::Warn => LevelFilter::Warn,
            Level::Info => LevelFilter::Info,
            Level::Debug => LevelFilter::Debug,
            Level::Trace => LevelFilter::Trace,
        }
    }
}

impl LevelFilter {
    #[inline(always)]
    pub const fn as_usize(self) -> usize {
        self as usize
    }

    const fn from_usize(n: usize) -> LevelFilter {
        match n {
            0 => LevelFilter::Off,
            1 => LevelFilter::Error,
            2 => LevelFilter::Warn,
            3 => LevelFilter::Info,
            4 => LevelFilter::Debug,
            _ => LevelFilter::Trace,
        }
    }

    /// Does this filter let records of `level` through?
    #[inline]
    pub const fn allows(self, level: Level) -> bool {
        level.as_usize() <= self.as_usize()
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Display for LevelFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            LevelFilter::Off => "OFF",
            LevelFilter::Error => "ERROR",
            LevelFilter::Warn => "WARN",
            LevelFilter::Info => "INFO",
            LevelFilter::Debug => "DEBUG",
            LevelFilter::Trace => "TRACE",
        };
        f.pad(s)
    }
}

/// Error returned when parsing a level name fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseLevelError(pub String);

impl fmt::Display for ParseLevelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid log level {:?} (expected off, error, warn, info, debug or trace)",
            self.0
        )
    }
}

impl core::error::Error for ParseLevelError {}

impl FromStr for LevelFilter {
    type Err = ParseLevelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "none" => Ok(LevelFilter::Off),
            "error" => Ok(LevelFilter::Error),
            "warn" | "warning" => Ok(LevelFilter::Warn),
            "info" => Ok(LevelFilter::Info),
            "debug" => Ok(LevelFilter::Debug),
            "trace" => Ok(LevelFilter::Trace),
            _ => Err(ParseLevelError(s.to_string())),
        }
    }
}

/// The compile-time maximum level. Log statements above it are removed.
pub const STATIC_MAX_LEVEL: LevelFilter = if cfg!(feature = "max_level_off") {
    LevelFilter::Off
} else {
    LevelFilter::Trace
};

/// One log message, handed to [`Log::log`].
#[derive(Clone, Debug)]
pub struct Record<'a> {
    pub level: Level,
    /// The module path of the log statement.
    pub target: &'a str,
    pub file: &'a str,
    pub line: u32,
    pub args: fmt::Arguments<'a>,
}

/// A log sink.
pub trait Log: Sync + Send {
    /// Would a record of this level and target be logged?
    fn enabled(&self, level: Level, target: &str) -> bool;
    /// Log one record. Called only after the level filters passed.
    fn log(&self, record: &Record<'_>);
    /// Flush any buffered records.
    fn flush(&self) {}
}

/// Returned by [`set_logger`] when a logger is already installed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SetLoggerError;

impl fmt::Display for SetLoggerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a logger has already been installed")
    }
}

impl core::error::Error for SetLoggerError {}

// Like the `log` crate, nothing is let through until someone raises the level.
static MAX_LEVEL: AtomicUsize = AtomicUsize::new(0);
static LOGGER: OnceLock<&'static dyn Log> = OnceLock::new();

/// Install the global logger. Can be done only once.
pub fn set_logger(logger: &'static dyn Log) -> Result<(), SetLoggerError> {
    LOGGER.set(logger).map_err(|_| SetLoggerError)
}

/// The installed logger, if any.
pub fn logger() -> Option<&'static dyn Log> {
    LOGGER.get().copied()
}

/// Set the runtime maximum level.
pub fn set_max_level(level: LevelFilter) {
    MAX_LEVEL.store(level.as_usize(), Ordering::Relaxed);
}

/// The runtime maximum level.
pub fn max_level() -> LevelFilter {
    LevelFilter::from_usize(MAX_LEVEL.load(Ordering::Relaxed))
}

/// Flush the installed logger, if any.
pub fn flush() {
    if let Some(logger) = logger() {
        logger.flush();
    }
}

#[doc(hidden)]
#[inline(always)]
pub fn __private_max_level() -> usize {
    MAX_LEVEL.load(Ordering::Relaxed)
}

#[doc(hidden)]
#[inline(never)]
pub fn __private_log(
    level: Level,
    target: &'static str,
    file: &'static str,
    line: u32,
    args: fmt::Arguments<'_>,
) {
    if let Some(logger) = logger() {
        if logger.enabled(level, target) {
            logger.log(&Record {
                level,
                target,
                file,
                line,
                args,
            });
        }
    }
}

/// Log a message at a given [`Level`]: `log!(Level::Info, "x = {}", x)`.
///
/// The first test compares against a constant and is folded away by the
/// compiler; when it is false the whole statement disappears.
#[macro_export]
macro_rules! log {
    ($lvl:expr, $($arg:tt)+) => {{
        let lvl: $crate::Level = $lvl;
        if lvl.as_usize() <= $crate::STATIC_MAX_LEVEL.as_usize()
            && lvl.as_usize() <= $crate::__private_max_level()
        {
            $crate::__private_log(lvl, module_path!(), file!(), line!(), format_args!($($arg)+));
        }
    }};
}

/// Is a log statement at this level live (both filters pass)?
#[macro_export]
macro_rules! log_enabled {
    ($lvl:expr) => {{
        let lvl: $crate::Level = $lvl;
        lvl.as_usize() <= $crate::STATIC_MAX_LEVEL.as_usize()
            && lvl.as_usize() <= $crate::__private_max_level()
    }};
}

#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => { $crate::log!($crate::Level::Error, $($arg)+) };
}

#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => { $crate::log!($crate::Level::Warn, $($arg)+) };
}

#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => { $crate::log!($crate::Level::Info, $($arg)+) };
}

#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => { $crate::log!($crate::Level::Debug, $($arg)+) };
}

#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => { $crate::log!($crate::Level::Trace, $($arg)+) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    struct Capture(Mutex<Vec<String>>);

    impl Log for Capture {
        fn enabled(&self, _level: Level, _target: &str) -> bool {
            true
        }
        fn log(&self, record: &Record<'_>) {
            let line = format!("{} {}", record.level, record.args);
            self.0.lock().unwrap().push(line);
        }
    }

    static CAPTURE: Capture = Capture(Mutex::new(Vec::new()));

    #[test]
    fn levels_parse_and_order() {
        assert_eq!("WARN".parse::<LevelFilter>(), Ok(LevelFilter::Warn));
        assert_eq!(" trace ".parse::<LevelFilter>(), Ok(LevelFilter::Trace));
        assert!("loud".parse::<LevelFilter>().is_err());
        assert!(Level::Error < Level::Trace);
        assert!(LevelFilter::Info.allows(Level::Warn));
        assert!(!LevelFilter::Info.allows(Level::Debug));
        assert!(!LevelFilter::Off.allows(Level::Error));
        assert_eq!(Level::Debug.to_filter(), LevelFilter::Debug);
        assert_eq!(format!("[{:>5}]", Level::Info), "[ INFO]");
    }

    // All global-state checks live in one test: tests run in parallel.
    #[test]
    fn filtering_and_dispatch() {
        set_logger(&CAPTURE).unwrap();
        assert_eq!(set_logger(&CAPTURE), Err(SetLoggerError));

        set_max_level(LevelFilter::Info);
        assert_eq!(max_level(), LevelFilter::Info);
        error!("e {}", 1);
        warn!("w {:?}", "two");
        info!("i {}", 3);
        debug!("d {}", 4);
        trace!("t {}", 5);
        set_max_level(LevelFilter::Off);
        error!("dropped");

        let got = CAPTURE.0.lock().unwrap().clone();
        if cfg!(feature = "max_level_off") {
            assert!(got.is_empty());
            assert!(!log_enabled!(Level::Error));
        } else {
            assert_eq!(got, ["ERROR e 1", "WARN w \"two\"", "INFO i 3"]);
        }
    }
}
