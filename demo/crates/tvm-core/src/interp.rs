//! The interpreter (feature `run`).
//!
//! One operand stack of `i64` is shared by all frames; each frame owns a
//! window of local slots and may not pop below the stack height it started
//! with. Arrays live on a small heap and are referred to by integer handles.

use crate::io::Write;
use crate::{prelude::*, program::Program};
use core::fmt;
use minilog::{debug, error, info, trace};
use tvm_isa::Instr;

/// A run-time error. Execution stops at the first trap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trap {
    StackUnderflow,
    StackOverflow {
        limit: usize,
    },
    CallDepthExceeded {
        limit: usize,
    },
    DivisionByZero,
    IntegerOverflow {
        op: &'static str,
    },
    BadJump {
        target: u32,
        len: usize,
    },
    FellOffEnd,
    BadFunction(u32),
    BadConstant(u32),
    BadLocal(u16),
    InvalidArray(i64),
    OutOfBounds {
        index: i64,
        len: usize,
    },
    NegativeLength(i64),
    HeapExhausted {
        requested: i64,
        limit: usize,
    },
    MissingArgument {
        index: i64,
        argc: usize,
    },
    OutOfFuel,
    /// The program executed `trap <code>`.
    User(i64),
    /// Writing program output failed.
    Output(String),
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trap::StackUnderflow => f.write_str("stack underflow"),
            Trap::StackOverflow { limit } => write!(f, "stack overflow (limit {limit} values)"),
            Trap::CallDepthExceeded { limit } => {
                write!(f, "call stack exhausted (limit {limit} frames)")
            }
            Trap::DivisionByZero => f.write_str("integer division by zero"),
            Trap::IntegerOverflow { op } => write!(f, "integer overflow in `{op}`"),
            Trap::BadJump { target, len } => write!(
                f,
                "jump to instruction {target} outside the function ({len} instructions)"
            ),
            Trap::FellOffEnd => f.write_str("execution fell off the end of the function"),
            Trap::BadFunction(index) => write!(f, "call to nonexistent function #{index}"),
            Trap::BadConstant(index) => write!(f, "nonexistent string constant #{index}"),
            Trap::BadLocal(slot) => write!(f, "local slot {slot} out of range"),
            Trap::InvalidArray(handle) => write!(f, "invalid array handle {handle}"),
            Trap::OutOfBounds { index, len } => {
                write!(f, "array index {index} out of bounds (length {len})")
            }
            Trap::NegativeLength(n) => write!(f, "cannot allocate an array of length {n}"),
            Trap::HeapExhausted { requested, limit } => write!(
                f,
                "heap exhausted allocating {requested} cells (limit {limit} cells)"
            ),
            Trap::MissingArgument { index, argc } => write!(
                f,
                "program argument {index} requested but only {argc} given"
            ),
            Trap::OutOfFuel => f.write_str("all fuel consumed"),
            Trap::User(code) => write!(f, "trap instruction executed (code {code})"),
            Trap::Output(err) => write!(f, "failed to write output: {err}"),
        }
    }
}

impl core::error::Error for Trap {}

/// One entry of a fault backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    pub function: String,
    pub pc: usize,
}

/// A trap together with the call stack at the point it happened
/// (innermost frame first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub trap: Trap,
    pub backtrace: Vec<FrameInfo>,
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.trap)?;
        if !self.backtrace.is_empty() {
            f.write_str("\nbacktrace:")?;
            for (i, frame) in self.backtrace.iter().enumerate() {
                write!(f, "\n  {i:>3}: {} @ pc {}", frame.function, frame.pc)?;
            }
        }
        Ok(())
    }
}

impl core::error::Error for Fault {}

/// Resource limits for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_stack: usize,
    pub max_call_depth: usize,
    pub max_heap_cells: usize,
    /// Maximum number of instructions to execute; `None` is unlimited.
    pub fuel: Option<u64>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stack: 1 << 20,
            max_call_depth: 10_000,
            max_heap_cells: 1 << 24,
            fuel: None,
        }
    }
}

/// How a successful run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// `halt` was executed.
    Halted,
    /// The entry function returned this value.
    Returned(i64),
}

/// Execution statistics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub steps: u64,
    pub calls: u64,
    pub max_stack: usize,
    pub max_depth: usize,
    pub arrays: usize,
    pub heap_cells: usize,
}

#[derive(Debug)]
struct Frame {
    func: usize,
    pc: usize,
    /// Stack height when the frame was entered.
    base: usize,
    locals_base: usize,
    nlocals: usize,
}

/// The virtual machine. `W` receives everything the program prints.
pub struct Machine<'p, W: Write> {
    program: &'p Program,
    out: W,
    limits: Limits,
    args: Vec<i64>,
    stack: Vec<i64>,
    locals: Vec<i64>,
    frames: Vec<Frame>,
    heap: Vec<Vec<i64>>,
    stats: Stats,
}

/// Run `program` with `args`, writing its output to `out`.
pub fn run_program<W: Write>(program: &Program, args: &[i64], out: W) -> Result<Exit, Fault> {
    Machine::new(program, out).with_args(args.to_vec()).run()
}

impl<'p, W: Write> Machine<'p, W> {
    pub fn new(program: &'p Program, out: W) -> Self {
        Machine {
            program,
            out,
            limits: Limits::default(),
            args: Vec::new(),
            stack: Vec::new(),
            locals: Vec::new(),
            frames: Vec::new(),
            heap: Vec::new(),
            stats: Stats::default(),
        }
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Program arguments, readable with `argc` and `arg`.
    pub fn with_args(mut self, args: Vec<i64>) -> Self {
        self.args = args;
        self
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn into_output(self) -> W {
        self.out
    }

    /// Execute the entry function until it halts, returns or traps.
    pub fn run(&mut self) -> Result<Exit, Fault> {
        let program = self.program;
        debug!(
            "starting execution at function #{} with args {:?} and limits {:?}",
            program.entry, self.args, self.limits
        );
        self.stack.clear();
        self.locals.clear();
        self.frames.clear();
        self.heap.clear();
        self.stats = Stats::default();

        let result = self.call(program.entry).and_then(|()| self.execute());
        // Flush whatever was printed, even when trapping.
        let flushed = self.out.flush().map_err(|e| Trap::Output(e.to_string()));
        match result.and_then(|exit| flushed.map(|()| exit)) {
            Ok(exit) => {
                info!(
                    "program finished: {:?} after {} steps",
                    exit, self.stats.steps
                );
                debug!("execution statistics: {:?}", self.stats);
                Ok(exit)
            }
            Err(trap) => {
                let fault = self.fault(trap);
                debug!("program trapped: {:?}", fault);
                Err(fault)
            }
        }
    }

    fn execute(&mut self) -> Result<Exit, Trap> {
        let program = self.program;
        loop {
            if let Some(fuel) = self.limits.fuel {
                if self.stats.steps >= fuel {
                    return Err(Trap::OutOfFuel);
                }
            }
            self.stats.steps += 1;
            let frame = self.frames.last_mut().expect("a frame is active");
            let func = &program.functions[frame.func];
            let pc = frame.pc;
            let instr = func.code.get(pc).ok_or(Trap::FellOffEnd)?;
            frame.pc += 1;
            trace!(
                "{}@{}: {:?}  stack top {:?}",
                func.name,
                pc,
                instr,
                &self.stack[self.stack.len().saturating_sub(4)..]
            );
            if let Some(exit) = self.exec(instr)? {
                return Ok(exit);
            }
        }
    }

    /// The stack with the top at the end; the interpreter's state for tests.
    pub fn stack(&self) -> &[i64] {
        &self.stack
    }

    fn fault(&self, trap: Trap) -> Fault {
        let backtrace = self
            .frames
            .iter()
            .rev()
            .map(|frame| FrameInfo {
                function: self.program.functions[frame.func].name.clone(),
                pc: frame.pc.saturating_sub(1),
            })
            .collect();
        Fault { trap, backtrace }
    }

    fn base(&self) -> usize {
        self.frames.last().map_or(0, |f| f.base)
    }

    fn push(&mut self, value: i64) -> Result<(), Trap> {
        if self.stack.len() >= self.limits.max_stack {
            return Err(Trap::StackOverflow {
                limit: self.limits.max_stack,
            });
        }
        self.stack.push(value);
        self.stats.max_stack = self.stats.max_stack.max(self.stack.len());
        Ok(())
    }

    fn pop(&mut self) -> Result<i64, Trap> {
        if self.stack.len() <= self.base() {
            return Err(Trap::StackUnderflow);
        }
        self.stack.pop().ok_or(Trap::StackUnderflow)
    }

    /// Pop `b` then `a`, returning `(a, b)`: the operands in push order.
    fn pop2(&mut self) -> Result<(i64, i64), Trap> {
        let b = self.pop()?;
        let a = self.pop()?;
        Ok((a, b))
    }

    fn checked(&mut self, op: &'static str, f: fn(i64, i64) -> Option<i64>) -> Result<(), Trap> {
        let (a, b) = self.pop2()?;
        let value = f(a, b).ok_or(Trap::IntegerOverflow { op })?;
        self.push(value)
    }

    fn divide(&mut self, op: &'static str, f: fn(i64, i64) -> Option<i64>) -> Result<(), Trap> {
        let (a, b) = self.pop2()?;
        if b == 0 {
            return Err(Trap::DivisionByZero);
        }
        let value = f(a, b).ok_or(Trap::IntegerOverflow { op })?;
        self.push(value)
    }

    fn binary(&mut self, f: fn(i64, i64) -> i64) -> Result<(), Trap> {
        let (a, b) = self.pop2()?;
        self.push(f(a, b))
    }

    fn compare(&mut self, f: fn(&i64, &i64) -> bool) -> Result<(), Trap> {
        let (a, b) = self.pop2()?;
        self.push(i64::from(f(&a, &b)))
    }

    fn jump(&mut self, target: u32) -> Result<(), Trap> {
        let frame = self.frames.last_mut().expect("a frame is active");
        let len = self.program.functions[frame.func].code.len();
        if target as usize >= len {
            return Err(Trap::BadJump { target, len });
        }
        frame.pc = target as usize;
        Ok(())
    }

    fn call(&mut self, index: u32) -> Result<(), Trap> {
        let callee = self
            .program
            .functions
            .get(index as usize)
            .ok_or(Trap::BadFunction(index))?;
        if self.frames.len() >= self.limits.max_call_depth {
            return Err(Trap::CallDepthExceeded {
                limit: self.limits.max_call_depth,
            });
        }
        let params = usize::from(callee.params);
        if self.stack.len() < self.base() + params {
            return Err(Trap::StackUnderflow);
        }
        let nlocals = usize::from(callee.locals).max(params);
        let locals_base = self.locals.len();
        self.locals.resize(locals_base + nlocals, 0);
        let args_start = self.stack.len() - params;
        self.locals[locals_base..locals_base + params].copy_from_slice(&self.stack[args_start..]);
        self.stack.truncate(args_start);
        trace!(
            "call {} with {:?} (depth {})",
            callee.name,
            &self.locals[locals_base..locals_base + params],
            self.frames.len() + 1
        );
        self.frames.push(Frame {
            func: index as usize,
            pc: 0,
            base: args_start,
            locals_base,
            nlocals,
        });
        self.stats.calls += 1;
        self.stats.max_depth = self.stats.max_depth.max(self.frames.len());
        Ok(())
    }

    fn ret(&mut self) -> Result<Option<Exit>, Trap> {
        let value = self.pop()?;
        let frame = self.frames.pop().expect("a frame is active");
        trace!(
            "return {} from {}",
            value,
            self.program.functions[frame.func].name
        );
        self.locals.truncate(frame.locals_base);
        self.stack.truncate(frame.base);
        if self.frames.is_empty() {
            // Keep the entry frame around for backtraces of later errors.
            self.frames.push(frame);
            return Ok(Some(Exit::Returned(value)));
        }
        self.push(value)?;
        Ok(None)
    }

    fn local(&self, slot: u16) -> Result<usize, Trap> {
        let frame = self.frames.last().expect("a frame is active");
        if usize::from(slot) >= frame.nlocals {
            return Err(Trap::BadLocal(slot));
        }
        Ok(frame.locals_base + usize::from(slot))
    }

    fn array(&self, handle: i64) -> Result<usize, Trap> {
        usize::try_from(handle)
            .ok()
            .filter(|&h| h < self.heap.len())
            .ok_or(Trap::InvalidArray(handle))
    }

    fn array_index(&self, handle: i64, index: i64) -> Result<(usize, usize), Trap> {
        let h = self.array(handle)?;
        let len = self.heap[h].len();
        let i = usize::try_from(index)
            .ok()
            .filter(|&i| i < len)
            .ok_or(Trap::OutOfBounds { index, len })?;
        Ok((h, i))
    }

    fn alloc(&mut self) -> Result<(), Trap> {
        let n = self.pop()?;
        let len = usize::try_from(n).map_err(|_| Trap::NegativeLength(n))?;
        if len > self.limits.max_heap_cells - self.stats.heap_cells {
            return Err(Trap::HeapExhausted {
                requested: n,
                limit: self.limits.max_heap_cells,
            });
        }
        self.heap.push(vec![0; len]);
        self.stats.arrays += 1;
        self.stats.heap_cells += len;
        let handle = (self.heap.len() - 1) as i64;
        debug!("allocated array #{} of {} cells", handle, len);
        self.push(handle)
    }

    fn output(&mut self, args: fmt::Arguments<'_>) -> Result<(), Trap> {
        self.out
            .write_fmt(args)
            .map_err(|e| Trap::Output(e.to_string()))
    }

    /// Execute one instruction. `Some(exit)` ends the run.
    fn exec(&mut self, instr: &Instr) -> Result<Option<Exit>, Trap> {
        match *instr {
            Instr::Nop => {}
            Instr::Push(v) => self.push(v)?,
            Instr::Pop => {
                self.pop()?;
            }
            Instr::Dup => {
                let v = self.pop()?;
                self.push(v)?;
                self.push(v)?;
            }
            Instr::Swap => {
                let (a, b) = self.pop2()?;
                self.push(b)?;
                self.push(a)?;
            }
            Instr::Over => {
                let (a, b) = self.pop2()?;
                self.push(a)?;
                self.push(b)?;
                self.push(a)?;
            }
            Instr::Add => self.checked("add", i64::checked_add)?,
            Instr::Sub => self.checked("sub", i64::checked_sub)?,
            Instr::Mul => self.checked("mul", i64::checked_mul)?,
            Instr::Div => self.divide("div", i64::checked_div)?,
            Instr::Mod => self.divide("mod", i64::checked_rem)?,
            Instr::Neg => {
                let v = self.pop()?;
                let r = v.checked_neg().ok_or(Trap::IntegerOverflow { op: "neg" })?;
                self.push(r)?;
            }
            Instr::Eq => self.compare(i64::eq)?,
            Instr::Ne => self.compare(i64::ne)?,
            Instr::Lt => self.compare(i64::lt)?,
            Instr::Le => self.compare(i64::le)?,
            Instr::Gt => self.compare(i64::gt)?,
            Instr::Ge => self.compare(i64::ge)?,
            Instr::And => self.binary(|a, b| a & b)?,
            Instr::Or => self.binary(|a, b| a | b)?,
            Instr::Xor => self.binary(|a, b| a ^ b)?,
            Instr::Not => {
                let v = self.pop()?;
                self.push(i64::from(v == 0))?;
            }
            Instr::Jmp(t) => self.jump(t)?,
            Instr::Jz(t) => {
                if self.pop()? == 0 {
                    self.jump(t)?;
                }
            }
            Instr::Jnz(t) => {
                if self.pop()? != 0 {
                    self.jump(t)?;
                }
            }
            Instr::Call(f) => self.call(f)?,
            Instr::Ret => return self.ret(),
            Instr::Load(slot) => {
                let i = self.local(slot)?;
                self.push(self.locals[i])?;
            }
            Instr::Store(slot) => {
                let v = self.pop()?;
                let i = self.local(slot)?;
                self.locals[i] = v;
            }
            Instr::Alloc => self.alloc()?,
            Instr::ALoad => {
                let (handle, index) = self.pop2()?;
                let (h, i) = self.array_index(handle, index)?;
                self.push(self.heap[h][i])?;
            }
            Instr::AStore => {
                let value = self.pop()?;
                let (handle, index) = self.pop2()?;
                let (h, i) = self.array_index(handle, index)?;
                self.heap[h][i] = value;
            }
            Instr::ALen => {
                let handle = self.pop()?;
                let h = self.array(handle)?;
                self.push(self.heap[h].len() as i64)?;
            }
            Instr::Argc => self.push(self.args.len() as i64)?,
            Instr::Arg => {
                let index = self.pop()?;
                let argc = self.args.len();
                let value = usize::try_from(index)
                    .ok()
                    .and_then(|i| self.args.get(i).copied())
                    .ok_or(Trap::MissingArgument { index, argc })?;
                self.push(value)?;
            }
            Instr::Print => {
                let v = self.pop()?;
                self.output(format_args!("{v}\n"))?;
            }
            Instr::PrintStr(c) => {
                let program = self.program;
                let s = program
                    .constants
                    .get(c as usize)
                    .ok_or(Trap::BadConstant(c))?;
                self.output(format_args!("{s}"))?;
            }
            Instr::Halt => return Ok(Some(Exit::Halted)),
            Instr::Trap(code) => return Err(Trap::User(code)),
            Instr::Panic(code) => {
                error!("executing `panic {}`; stack: {:?}", code, self.stack);
                let _ = self.out.flush();
                panic!("program panicked: code {}", code);
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::program::Function;
    use Instr as I;

    fn program(functions: Vec<(&str, u8, u16, Vec<Instr>)>) -> Program {
        Program {
            constants: vec!["hello\n".into()],
            functions: functions
                .into_iter()
                .map(|(name, params, locals, code)| Function {
                    name: name.into(),
                    params,
                    locals,
                    code,
                })
                .collect(),
            entry: 0,
        }
    }

    /// Run `code` as the body of `main` (2 locals); return output and result.
    fn run_main(code: Vec<Instr>, args: &[i64]) -> (String, Result<Exit, Fault>) {
        let p = program(vec![("main", 0, 2, code)]);
        let mut out = Vec::new();
        let result = run_program(&p, args, &mut out);
        (String::from_utf8(out).unwrap(), result)
    }

    fn eval(code: Vec<Instr>) -> Result<i64, Trap> {
        let mut code = code;
        code.push(I::Ret);
        match run_main(code, &[]).1 {
            Ok(Exit::Returned(v)) => Ok(v),
            Ok(other) => panic!("unexpected exit {other:?}"),
            Err(fault) => Err(fault.trap),
        }
    }

    #[test]
    fn arithmetic() {
        assert_eq!(eval(vec![I::Push(7), I::Push(5), I::Sub]), Ok(2));
        assert_eq!(eval(vec![I::Push(-7), I::Push(2), I::Div]), Ok(-3));
        assert_eq!(eval(vec![I::Push(-7), I::Push(2), I::Mod]), Ok(-1));
        assert_eq!(eval(vec![I::Push(6), I::Push(7), I::Mul, I::Neg]), Ok(-42));
        assert_eq!(eval(vec![I::Push(1), I::Push(2), I::Swap, I::Sub]), Ok(1));
        assert_eq!(
            eval(vec![I::Push(3), I::Push(4), I::Over, I::Add, I::Add]),
            Ok(10)
        );
        assert_eq!(eval(vec![I::Push(9), I::Dup, I::Mul]), Ok(81));
    }

    #[test]
    fn comparisons_and_logic() {
        assert_eq!(eval(vec![I::Push(1), I::Push(2), I::Lt]), Ok(1));
        assert_eq!(eval(vec![I::Push(2), I::Push(2), I::Ge]), Ok(1));
        assert_eq!(eval(vec![I::Push(2), I::Push(3), I::Eq]), Ok(0));
        assert_eq!(
            eval(vec![I::Push(0b1100), I::Push(0b1010), I::Xor]),
            Ok(0b0110)
        );
        assert_eq!(
            eval(vec![I::Push(0b1100), I::Push(0b1010), I::And]),
            Ok(0b1000)
        );
        assert_eq!(eval(vec![I::Push(5), I::Not]), Ok(0));
        assert_eq!(eval(vec![I::Push(0), I::Not]), Ok(1));
    }

    #[test]
    fn loops_locals_and_output() {
        // for i in (1..=3).rev() { print i }; print_str "hello\n"
        let code = vec![
            I::Push(3),
            I::Store(0),
            I::Load(0), // 2: loop head
            I::Jz(11),
            I::Load(0),
            I::Print,
            I::Load(0),
            I::Push(1),
            I::Sub,
            I::Store(0),
            I::Jmp(2),
            I::PrintStr(0), // 11: loop exit
            I::Halt,
        ];
        let (out, result) = run_main(code, &[]);
        assert_eq!(result, Ok(Exit::Halted));
        assert_eq!(out, "3\n2\n1\nhello\n");
    }

    #[test]
    fn recursive_calls() {
        // fact(n) = if n <= 1 { 1 } else { n * fact(n - 1) }
        let fact = vec![
            I::Load(0),
            I::Push(1),
            I::Le,
            I::Jz(6),
            I::Push(1),
            I::Ret,
            I::Load(0),
            I::Load(0),
            I::Push(1),
            I::Sub,
            I::Call(1),
            I::Mul,
            I::Ret,
        ];
        let main = vec![I::Push(20), I::Call(1), I::Ret];
        let p = program(vec![("main", 0, 0, main), ("fact", 1, 1, fact)]);
        let mut m = Machine::new(&p, Vec::new());
        assert_eq!(m.run(), Ok(Exit::Returned(2_432_902_008_176_640_000)));
        assert_eq!(m.stats().max_depth, 21);
        assert_eq!(m.stats().calls, 21);
    }

    #[test]
    fn heap_and_arguments() {
        let code = vec![
            I::Argc,
            I::Alloc,
            I::Store(0),
            I::Load(0),
            I::Push(1),
            I::Push(1),
            I::Arg,
            I::AStore,
            I::Load(0),
            I::Push(1),
            I::ALoad,
            I::Load(0),
            I::ALen,
            I::Add,
            I::Ret,
        ];
        assert_eq!(run_main(code, &[10, 32, 7]).1, Ok(Exit::Returned(35)));
    }

    #[test]
    fn traps() {
        assert_eq!(
            eval(vec![I::Push(1), I::Push(0), I::Div]),
            Err(Trap::DivisionByZero)
        );
        assert_eq!(
            eval(vec![I::Push(1), I::Push(0), I::Mod]),
            Err(Trap::DivisionByZero)
        );
        assert_eq!(eval(vec![I::Add]), Err(Trap::StackUnderflow));
        assert_eq!(
            eval(vec![I::Jmp(50)]),
            Err(Trap::BadJump { target: 50, len: 2 })
        );
        assert_eq!(
            eval(vec![I::Push(i64::MAX), I::Push(1), I::Add]),
            Err(Trap::IntegerOverflow { op: "add" })
        );
        assert_eq!(
            eval(vec![I::Push(i64::MIN), I::Push(-1), I::Div]),
            Err(Trap::IntegerOverflow { op: "div" })
        );
        assert_eq!(
            eval(vec![I::Push(2), I::Alloc, I::Push(2), I::ALoad]),
            Err(Trap::OutOfBounds { index: 2, len: 2 })
        );
        assert_eq!(
            eval(vec![I::Push(-1), I::Alloc]),
            Err(Trap::NegativeLength(-1))
        );
        assert_eq!(eval(vec![I::Push(3), I::ALen]), Err(Trap::InvalidArray(3)));
        assert_eq!(eval(vec![I::Trap(42)]), Err(Trap::User(42)));
        assert_eq!(
            eval(vec![I::Push(0), I::Arg]),
            Err(Trap::MissingArgument { index: 0, argc: 0 })
        );
        assert_eq!(
            run_main(vec![I::Nop], &[]).1.unwrap_err().trap,
            Trap::FellOffEnd
        );
    }

    #[test]
    fn limits_and_backtrace() {
        // main calls f, f calls itself forever.
        let p = program(vec![
            ("main", 0, 0, vec![I::Call(1), I::Halt]),
            ("f", 0, 0, vec![I::Nop, I::Call(1), I::Ret]),
        ]);
        let limits = Limits {
            max_call_depth: 5,
            ..Limits::default()
        };
        let fault = Machine::new(&p, Vec::new())
            .with_limits(limits)
            .run()
            .unwrap_err();
        assert_eq!(fault.trap, Trap::CallDepthExceeded { limit: 5 });
        assert_eq!(fault.backtrace.len(), 5);
        assert_eq!(
            fault.backtrace[0],
            FrameInfo {
                function: "f".into(),
                pc: 1
            }
        );
        assert_eq!(
            fault.backtrace[4],
            FrameInfo {
                function: "main".into(),
                pc: 0
            }
        );
        assert!(fault
            .to_string()
            .starts_with("call stack exhausted (limit 5 frames)\nbacktrace:\n    0: f @ pc 1"));

        let spin = program(vec![("main", 0, 0, vec![I::Jmp(0)])]);
        let limits = Limits {
            fuel: Some(1000),
            ..Limits::default()
        };
        let mut m = Machine::new(&spin, Vec::new()).with_limits(limits);
        assert_eq!(m.run().unwrap_err().trap, Trap::OutOfFuel);
        assert_eq!(m.stats().steps, 1000);
    }

    #[test]
    #[should_panic(expected = "program panicked: code 7")]
    fn panic_instruction_panics() {
        let _ = run_main(vec![I::Push(1), I::Panic(7)], &[]);
    }
}
