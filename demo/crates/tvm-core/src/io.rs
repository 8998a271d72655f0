//! The custom platform's stand-in for `std::io::Write` (`--cfg tinyvm_platform`,
//! where there is no `std`): the two methods the interpreter calls, with the
//! same names, so [`Machine`](crate::Machine) is the same code on both.

use crate::prelude::*;
use core::fmt;

/// Why writing failed.
pub type Error = fmt::Error;

/// A sink for program output.
pub trait Write {
    /// Write formatted text.
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<(), Error>;

    /// Deliver anything buffered.
    fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

impl Write for Vec<u8> {
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<(), Error> {
        fmt::Write::write_fmt(&mut Bytes(self), args)
    }
}

impl<W: Write + ?Sized> Write for &mut W {
    fn write_fmt(&mut self, args: fmt::Arguments<'_>) -> Result<(), Error> {
        (**self).write_fmt(args)
    }

    fn flush(&mut self) -> Result<(), Error> {
        (**self).flush()
    }
}

/// `fmt::Write` into a byte vector.
struct Bytes<'a>(&'a mut Vec<u8>);

impl fmt::Write for Bytes<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}
