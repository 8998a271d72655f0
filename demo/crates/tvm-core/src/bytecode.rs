//! The binary bytecode format.
//!
//! All integers are little-endian.
//!
//! ```text
//! magic     "TVMB"
//! version   u8                      (currently 1)
//! entry     u32                     index of the entry function
//! nconsts   u32,  then per constant: len u32, UTF-8 bytes
//! nfuncs    u32,  then per function: name (len u32 + UTF-8 bytes),
//!                                    params u8, locals u16,
//!                                    ncode u32, instructions
//! instr     opcode u8, then an operand of 0, 2, 4 or 8 bytes
//! ```

use crate::program::{Function, Program};
use crate::{error::DecodeError, prelude::*};
use minilog::{debug, info, trace};
use tvm_isa::{op_by_code, Instr, OperandKind};

/// The four bytes every bytecode file starts with.
pub const MAGIC: &[u8; 4] = b"TVMB";
/// The format version written and understood by this crate.
pub const VERSION: u8 = 1;

/// Upper bound on element counts, to reject absurd headers early.
const MAX_COUNT: u32 = 1 << 24;

impl Program {
    /// Serialize the program.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(64 + self.instruction_count() * 3));
        w.bytes(MAGIC);
        w.u8(VERSION);
        w.u32(self.entry);
        w.u32(len_u32(self.constants.len()));
        for constant in &self.constants {
            w.string(constant);
        }
        w.u32(len_u32(self.functions.len()));
        for func in &self.functions {
            w.string(&func.name);
            w.u8(func.params);
            w.u16(func.locals);
            w.u32(len_u32(func.code.len()));
            for instr in &func.code {
                w.instr(instr);
            }
        }
        debug!(
            "encoded {} functions and {} constants into {} bytes",
            self.functions.len(),
            self.constants.len(),
            w.0.len()
        );
        w.0
    }

    /// Parse and validate a bytecode file.
    pub fn decode(bytes: &[u8]) -> Result<Program, DecodeError> {
        debug!("decoding {} bytes of bytecode", bytes.len());
        let mut r = Reader { bytes, pos: 0 };
        let magic = r
            .take(4, "the magic number")
            .map_err(|_| DecodeError::BadMagic {
                found: bytes.iter().take(4).copied().collect(),
            })?;
        if magic != MAGIC {
            return Err(DecodeError::BadMagic {
                found: magic.to_vec(),
            });
        }
        let version = r.u8("the version")?;
        if version != VERSION {
            return Err(DecodeError::UnsupportedVersion {
                found: version,
                supported: VERSION,
            });
        }
        let entry = r.u32("the entry index")?;

        let nconsts = r.count("constants")?;
        let mut constants = Vec::with_capacity(r.capacity_hint(nconsts));
        for i in 0..nconsts {
            let s = r.string("a constant")?;
            trace!("constant #{}: {:?}", i, s);
            constants.push(s);
        }

        let nfuncs = r.count("functions")?;
        let mut functions = Vec::with_capacity(r.capacity_hint(nfuncs));
        for i in 0..nfuncs {
            let name = r.string("a function name")?;
            let params = r.u8("a parameter count")?;
            let locals = r.u16("a local count")?;
            let ncode = r.count("instructions")?;
            let mut code = Vec::with_capacity(r.capacity_hint(ncode));
            for _ in 0..ncode {
                code.push(r.instr()?);
            }
            debug!(
                "function #{} {:?}: params={} locals={} instructions={}",
                i,
                name,
                params,
                locals,
                code.len()
            );
            functions.push(Function {
                name,
                params,
                locals,
                code,
            });
        }
        if r.pos != bytes.len() {
            return Err(DecodeError::TrailingBytes {
                offset: r.pos,
                count: bytes.len() - r.pos,
            });
        }
        let program = Program {
            constants,
            functions,
            entry,
        };
        program.validate()?;
        info!(
            "decoded program: {} functions, {} instructions, {} constants",
            program.functions.len(),
            program.instruction_count(),
            program.constants.len()
        );
        Ok(program)
    }
}

fn len_u32(n: usize) -> u32 {
    u32::try_from(n).expect("program too large to encode")
}

struct Writer(Vec<u8>);

impl Writer {
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.bytes(&v.to_le_bytes());
    }
    fn string(&mut self, s: &str) {
        self.u32(len_u32(s.len()));
        self.bytes(s.as_bytes());
    }
    fn instr(&mut self, instr: &Instr) {
        let info = instr.info();
        self.u8(info.opcode);
        let operand = instr.operand().unwrap_or(0);
        match info.operand.size() {
            0 => {}
            2 => self.u16(operand as u16),
            4 => self.u32(operand as u32),
            _ => self.bytes(&operand.to_le_bytes()),
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let rest = &self.bytes[self.pos..];
        if rest.len() < n {
            return Err(DecodeError::UnexpectedEof {
                offset: self.pos,
                needed: n - rest.len(),
                what,
            });
        }
        self.pos += n;
        Ok(&rest[..n])
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, what)?);
        Ok(out)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        self.array(what).map(u16::from_le_bytes)
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        self.array(what).map(u32::from_le_bytes)
    }
    fn i64(&mut self, what: &'static str) -> Result<i64, DecodeError> {
        self.array(what).map(i64::from_le_bytes)
    }

    fn count(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        let n = self.u32(what)?;
        if n > MAX_COUNT {
            return Err(DecodeError::TooMany {
                what,
                count: u64::from(n),
                limit: u64::from(MAX_COUNT),
            });
        }
        Ok(n)
    }

    /// Never preallocate more elements than there are bytes left.
    fn capacity_hint(&self, count: u32) -> usize {
        (count as usize).min(self.bytes.len() - self.pos)
    }

    fn string(&mut self, what: &'static str) -> Result<String, DecodeError> {
        let len = self.count(what)? as usize;
        let offset = self.pos;
        let raw = self.take(len, what)?;
        String::from_utf8(raw.to_vec()).map_err(|_| DecodeError::InvalidUtf8 { offset })
    }

    fn instr(&mut self) -> Result<Instr, DecodeError> {
        let offset = self.pos;
        let opcode = self.u8("an opcode")?;
        let info = op_by_code(opcode).ok_or(DecodeError::InvalidOpcode { offset, opcode })?;
        let operand = match info.operand {
            OperandKind::None => 0,
            OperandKind::Imm => self.i64("an immediate operand")?,
            OperandKind::Local => i64::from(self.u16("a local slot")?),
            OperandKind::Target | OperandKind::Func | OperandKind::Const => {
                i64::from(self.u32("an index operand")?)
            }
        };
        Instr::from_parts(opcode, operand).ok_or(DecodeError::InvalidOperand {
            offset,
            opcode,
            operand,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tvm_isa::OPCODES;

    fn sample() -> Program {
        // One instance of every instruction, with awkward operands.
        let code = OPCODES
            .iter()
            .map(|info| {
                let operand = match info.operand {
                    OperandKind::Imm => i64::MIN + 7,
                    OperandKind::Local => 1,
                    OperandKind::Func | OperandKind::Const => 0,
                    OperandKind::Target => 0xdead_beef,
                    OperandKind::None => 0,
                };
                Instr::from_parts(info.opcode, operand).unwrap()
            })
            .collect();
        Program {
            constants: vec!["hello\n".into(), "ünïcødé \"quoted\"".into(), String::new()],
            functions: vec![Function {
                name: "main".into(),
                params: 0,
                locals: 2,
                code,
            }],
            entry: 0,
        }
    }

    #[test]
    fn round_trip() {
        let program = sample();
        let bytes = program.encode();
        assert_eq!(&bytes[..4], MAGIC);
        assert_eq!(bytes[4], VERSION);
        assert_eq!(Program::decode(&bytes), Ok(program));
    }

    #[test]
    fn rejects_corrupt_input() {
        let bytes = sample().encode();
        assert!(matches!(
            Program::decode(b"TV"),
            Err(DecodeError::BadMagic { .. })
        ));
        assert!(matches!(
            Program::decode(b"ELF\x7f...."),
            Err(DecodeError::BadMagic { .. })
        ));

        let mut v = bytes.clone();
        v[4] = 9;
        assert_eq!(
            Program::decode(&v),
            Err(DecodeError::UnsupportedVersion {
                found: 9,
                supported: 1
            })
        );

        for cut in [5, 9, 20, bytes.len() - 1] {
            let err = Program::decode(&bytes[..cut]).unwrap_err();
            assert!(
                matches!(err, DecodeError::UnexpectedEof { .. }),
                "cut {cut}: {err}"
            );
        }

        let mut v = bytes.clone();
        v.push(0);
        assert!(matches!(
            Program::decode(&v),
            Err(DecodeError::TrailingBytes { count: 1, .. })
        ));

        // The first instruction of `main` is `nop` (opcode 0): corrupt it.
        let first_instr = bytes.len()
            - sample().functions[0]
                .code
                .iter()
                .map(|i| 1 + i.info().operand.size())
                .sum::<usize>();
        let mut v = bytes.clone();
        v[first_instr] = 0xee;
        let err = Program::decode(&v).unwrap_err();
        assert_eq!(
            err,
            DecodeError::InvalidOpcode {
                offset: first_instr,
                opcode: 0xee
            }
        );
        assert_eq!(
            err.to_string(),
            format!("invalid opcode 0xee at offset {first_instr:#x}")
        );
    }
}
