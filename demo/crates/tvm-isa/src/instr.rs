//! The instruction set.

use core::fmt;

/// One VM instruction.
///
/// Jump targets are instruction indices inside the current function,
/// `Call` takes a function-table index, `PrintStr` a constant-pool index and
/// `Load`/`Store` a local-variable slot.
#[derive(Debug, Clone, PartialEq)]
pub enum Instr {
    Nop,
    Push(i64),
    Pop,
    Dup,
    Swap,
    Over,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Neg,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Xor,
    Not,
    Jmp(u32),
    Jz(u32),
    Jnz(u32),
    Call(u32),
    Ret,
    Load(u16),
    Store(u16),
    Alloc,
    ALoad,
    AStore,
    ALen,
    Argc,
    Arg,
    Print,
    PrintStr(u32),
    Halt,
    Trap(i64),
    Panic(i64),
}

/// What kind of operand an instruction carries, and how it is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperandKind {
    /// No operand.
    None,
    /// A signed 64-bit immediate (8 bytes).
    Imm,
    /// A jump target: instruction index in the current function (4 bytes).
    Target,
    /// A function-table index (4 bytes).
    Func,
    /// A local-variable slot (2 bytes).
    Local,
    /// A constant-pool index (4 bytes).
    Const,
}

impl OperandKind {
    /// Encoded size of the operand in bytes.
    pub const fn size(self) -> usize {
        match self {
            OperandKind::None => 0,
            OperandKind::Imm => 8,
            OperandKind::Target | OperandKind::Func | OperandKind::Const => 4,
            OperandKind::Local => 2,
        }
    }

    /// Smallest and largest operand value that can be encoded.
    pub const fn range(self) -> (i64, i64) {
        match self {
            OperandKind::None => (0, 0),
            OperandKind::Imm => (i64::MIN, i64::MAX),
            OperandKind::Target | OperandKind::Func | OperandKind::Const => (0, u32::MAX as i64),
            OperandKind::Local => (0, u16::MAX as i64),
        }
    }
}

/// Static description of an opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpInfo {
    pub opcode: u8,
    pub mnemonic: &'static str,
    pub operand: OperandKind,
}

const fn op(opcode: u8, mnemonic: &'static str, operand: OperandKind) -> OpInfo {
    OpInfo {
        opcode,
        mnemonic,
        operand,
    }
}

use OperandKind as K;

/// Every opcode, its assembly mnemonic and operand kind.
pub const OPCODES: &[OpInfo] = &[
    op(0x00, "nop", K::None),
    op(0x01, "push", K::Imm),
    op(0x02, "pop", K::None),
    op(0x03, "dup", K::None),
    op(0x04, "swap", K::None),
    op(0x05, "over", K::None),
    op(0x10, "add", K::None),
    op(0x11, "sub", K::None),
    op(0x12, "mul", K::None),
    op(0x13, "div", K::None),
    op(0x14, "mod", K::None),
    op(0x15, "neg", K::None),
    op(0x18, "eq", K::None),
    op(0x19, "ne", K::None),
    op(0x1a, "lt", K::None),
    op(0x1b, "le", K::None),
    op(0x1c, "gt", K::None),
    op(0x1d, "ge", K::None),
    op(0x20, "and", K::None),
    op(0x21, "or", K::None),
    op(0x22, "xor", K::None),
    op(0x23, "not", K::None),
    op(0x30, "jmp", K::Target),
    op(0x31, "jz", K::Target),
    op(0x32, "jnz", K::Target),
    op(0x38, "call", K::Func),
    op(0x39, "ret", K::None),
    op(0x40, "load", K::Local),
    op(0x41, "store", K::Local),
    op(0x48, "alloc", K::None),
    op(0x49, "aload", K::None),
    op(0x4a, "astore", K::None),
    op(0x4b, "alen", K::None),
    op(0x50, "argc", K::None),
    op(0x51, "arg", K::None),
    op(0x58, "print", K::None),
    op(0x59, "print_str", K::Const),
    op(0x60, "halt", K::None),
    op(0x61, "trap", K::Imm),
    op(0x62, "panic", K::Imm),
];

/// Look up an opcode by its byte value.
pub fn op_by_code(opcode: u8) -> Option<&'static OpInfo> {
    OPCODES.iter().find(|info| info.opcode == opcode)
}

/// Look up an opcode by its assembly mnemonic.
pub fn op_by_mnemonic(mnemonic: &str) -> Option<&'static OpInfo> {
    OPCODES.iter().find(|info| info.mnemonic == mnemonic)
}

impl Instr {
    /// The opcode byte of this instruction.
    pub fn opcode(&self) -> u8 {
        use Instr::*;
        match self {
            Nop => 0x00,
            Push(_) => 0x01,
            Pop => 0x02,
            Dup => 0x03,
            Swap => 0x04,
            Over => 0x05,
            Add => 0x10,
            Sub => 0x11,
            Mul => 0x12,
            Div => 0x13,
            Mod => 0x14,
            Neg => 0x15,
            Eq => 0x18,
            Ne => 0x19,
            Lt => 0x1a,
            Le => 0x1b,
            Gt => 0x1c,
            Ge => 0x1d,
            And => 0x20,
            Or => 0x21,
            Xor => 0x22,
            Not => 0x23,
            Jmp(_) => 0x30,
            Jz(_) => 0x31,
            Jnz(_) => 0x32,
            Call(_) => 0x38,
            Ret => 0x39,
            Load(_) => 0x40,
            Store(_) => 0x41,
            Alloc => 0x48,
            ALoad => 0x49,
            AStore => 0x4a,
            ALen => 0x4b,
            Argc => 0x50,
            Arg => 0x51,
            Print => 0x58,
            PrintStr(_) => 0x59,
            Halt => 0x60,
            Trap(_) => 0x61,
            Panic(_) => 0x62,
        }
    }

    /// Static information (mnemonic, operand kind) about this instruction.
    pub fn info(&self) -> &'static OpInfo {
        op_by_code(self.opcode()).expect("every instruction is in OPCODES")
    }

    pub fn mnemonic(&self) -> &'static str {
        self.info().mnemonic
    }

    /// The operand as a plain integer, if the instruction has one.
    pub fn operand(&self) -> Option<i64> {
        use Instr::*;
        match *self {
            Push(v) | Trap(v) | Panic(v) => Some(v),
            Jmp(t) | Jz(t) | Jnz(t) | Call(t) | PrintStr(t) => Some(i64::from(t)),
            Load(n) | Store(n) => Some(i64::from(n)),
            _ => None,
        }
    }

    /// Build an instruction from its opcode and a (range-checked) operand.
    /// Returns `None` for unknown opcodes or out-of-range operands.
    pub fn from_parts(opcode: u8, operand: i64) -> Option<Instr> {
        use Instr::*;
        let u32_op = || u32::try_from(operand).ok();
        let u16_op = || u16::try_from(operand).ok();
        Some(match opcode {
            0x00 => Nop,
            0x01 => Push(operand),
            0x02 => Pop,
            0x03 => Dup,
            0x04 => Swap,
            0x05 => Over,
            0x10 => Add,
            0x11 => Sub,
            0x12 => Mul,
            0x13 => Div,
            0x14 => Mod,
            0x15 => Neg,
            0x18 => Eq,
            0x19 => Ne,
            0x1a => Lt,
            0x1b => Le,
            0x1c => Gt,
            0x1d => Ge,
            0x20 => And,
            0x21 => Or,
            0x22 => Xor,
            0x23 => Not,
            0x30 => Jmp(u32_op()?),
            0x31 => Jz(u32_op()?),
            0x32 => Jnz(u32_op()?),
            0x38 => Call(u32_op()?),
            0x39 => Ret,
            0x40 => Load(u16_op()?),
            0x41 => Store(u16_op()?),
            0x48 => Alloc,
            0x49 => ALoad,
            0x4a => AStore,
            0x4b => ALen,
            0x50 => Argc,
            0x51 => Arg,
            0x58 => Print,
            0x59 => PrintStr(u32_op()?),
            0x60 => Halt,
            0x61 => Trap(operand),
            0x62 => Panic(operand),
            _ => return None,
        })
    }

    /// The jump target, for `jmp`, `jz` and `jnz`.
    pub fn jump_target(&self) -> Option<u32> {
        match *self {
            Instr::Jmp(t) | Instr::Jz(t) | Instr::Jnz(t) => Some(t),
            _ => None,
        }
    }
}

/// Formats the instruction in assembly syntax with raw numeric operands,
/// e.g. `push -3`, `jz 12`, `call 0`.
impl fmt::Display for Instr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.operand() {
            Some(v) => write!(f, "{} {}", self.mnemonic(), v),
            None => f.write_str(self.mnemonic()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_consistent() {
        for (i, info) in OPCODES.iter().enumerate() {
            let instr = Instr::from_parts(info.opcode, 1).expect("constructible");
            assert_eq!(instr.opcode(), info.opcode);
            assert_eq!(instr.mnemonic(), info.mnemonic);
            assert_eq!(instr.operand().is_some(), info.operand != OperandKind::None);
            // No duplicate opcodes or mnemonics.
            for other in &OPCODES[i + 1..] {
                assert_ne!(other.opcode, info.opcode);
                assert_ne!(other.mnemonic, info.mnemonic);
            }
        }
        assert_eq!(Instr::from_parts(0xff, 0), None);
        assert_eq!(Instr::from_parts(0x40, 70_000), None);
    }

    #[test]
    fn display_uses_assembly_syntax() {
        assert_eq!(Instr::Push(-3).to_string(), "push -3");
        assert_eq!(Instr::PrintStr(2).to_string(), "print_str 2");
        assert_eq!(Instr::AStore.to_string(), "astore");
        assert_eq!(format!("{:?}", Instr::Jz(7)), "Jz(7)");
    }
}
