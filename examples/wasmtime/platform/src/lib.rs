//! Wasmtime on a platform it does not know: `no_std` + `alloc`, the runtime without a compiler.
//!
//! What the platform gives: memory (`platform_alloc`/`platform_free`), an end for a panic
//! (`platform_abort`), and the functions of Wasmtime's custom platform (virtual memory, TLS,
//! trap signals), all from the host's C library (host/platform.c). What the library gives, as
//! C functions: `wt_buffer` for the host to copy a precompiled module into, `wt_set_output`
//! for where text goes, and `wt_run`, which loads the module, instantiates it with one import
//! (`host.print`) and calls its export `run`.
#![no_std]
extern crate alloc;

use alloc::format;
use alloc::string::String;
use core::alloc::{GlobalAlloc, Layout};
use wasmtime::{Caller, Config, Engine, Extern, Instance, Linker, Module, Store, Trap};

unsafe extern "C" {
    fn platform_alloc(size: usize, align: usize) -> *mut u8;
    fn platform_free(ptr: *mut u8);
    fn platform_abort() -> !;
}

struct Platform;

unsafe impl GlobalAlloc for Platform {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        unsafe { platform_alloc(layout.size(), layout.align()) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, _: Layout) {
        unsafe { platform_free(ptr) }
    }
}

#[global_allocator]
static ALLOCATOR: Platform = Platform;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { platform_abort() }
}

type Sink = extern "C" fn(*const u8, u32);

static mut OUTPUT: Option<Sink> = None;

fn say(text: &str) {
    // The host registers the sink before it calls wt_run, on the same thread.
    if let Some(sink) = unsafe { OUTPUT } {
        sink(text.as_ptr(), text.len() as u32);
    }
}

/// Where text goes: the module's `host.print` and the result of `wt_run`.
#[unsafe(no_mangle)]
pub extern "C" fn wt_set_output(sink: Sink) {
    unsafe { OUTPUT = Some(sink) }
}

/// Room for `len` bytes, which the host fills with a precompiled module.
#[unsafe(no_mangle)]
pub extern "C" fn wt_buffer(len: u32) -> *mut u8 {
    unsafe { platform_alloc(len as usize, 16) }
}

/// Loads the precompiled module at `data`, calls its `run(arg)` and writes the result as a
/// line. Returns 0 when `run` returned, 1 when it trapped (written as `trap: ...`), 2 when the
/// module could not be loaded or instantiated (written as `error: ...`).
///
/// # Safety
/// `data` points to `len` bytes that a Wasmtime 48.0.8 compiler made for this platform's
/// engine settings: Wasmtime runs its native code as it is.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wt_run(data: *const u8, len: u32, arg: u32) -> i32 {
    let bytes = unsafe { core::slice::from_raw_parts(data, len as usize) };
    match unsafe { run(bytes, arg as i32) } {
        Ok(value) => {
            say(&format!("{value}\n"));
            0
        }
        Err(Failure::Trap(text)) => {
            say(&format!("trap: {text}\n"));
            1
        }
        Err(Failure::Error(text)) => {
            say(&format!("error: {text}\n"));
            2
        }
    }
}

enum Failure {
    Trap(String),
    Error(String),
}

unsafe fn run(bytes: &[u8], arg: i32) -> Result<i32, Failure> {
    let error = |e: wasmtime::Error| Failure::Error(format!("{e:?}"));
    let engine = Engine::new(&Config::new()).map_err(error)?;
    let module = unsafe { Module::deserialize(&engine, bytes) }.map_err(error)?;
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker.func_wrap("host", "print", print).map_err(error)?;
    let instance: Instance = linker.instantiate(&mut store, &module).map_err(error)?;
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .map_err(error)?;
    run.call(&mut store, arg).map_err(|e| match e.downcast_ref::<Trap>() {
        Some(trap) => Failure::Trap(format!("{trap}")),
        None => Failure::Error(format!("{e:?}")),
    })
}

/// `host.print(ptr, len)`: the module's bytes at `ptr` in its memory `memory`, as text.
fn print(mut caller: Caller<'_, ()>, ptr: i32, len: i32) -> wasmtime::Result<()> {
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        wasmtime::bail!("host.print: the module exports no memory");
    };
    let data = memory.data(&caller);
    let (start, end) = (ptr as u32 as usize, ptr as u32 as usize + len as u32 as usize);
    let Some(text) = data.get(start..end) else {
        wasmtime::bail!("host.print: {start}..{end} is outside the memory");
    };
    say(&String::from_utf8_lossy(text));
    Ok(())
}
