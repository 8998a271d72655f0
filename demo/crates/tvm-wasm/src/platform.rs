//! The custom platform (`--cfg tinyvm_platform`), shaped like Wasmtime's
//! `examples/min-platform`: the library is `no_std` (`core` and `alloc`, built
//! with `-Z build-std=core,alloc` for `platform/x86_64-tinyvm-none.json`), and
//! the host supplies memory and abort through the C functions declared here
//! (`platform/tvm-platform.c` implements them).
//!
//! The platform is single-threaded: the host calls the library from one
//! thread at a time. So `thread_local!` state is one static cell per key.
//!
//! Only precompiled bytecode runs here (`tvm_run`, and `tvm_eval` with the
//! feature `run` alone): the assembler (`compile`, tvm-asm) needs `std`, and
//! tvm-asm says so with a `compile_error!`.

use core::alloc::{GlobalAlloc, Layout};

/// What `lib.rs` gets from std's prelude on other targets.
pub(crate) mod prelude {
    pub(crate) use alloc::{
        format,
        string::{String, ToString},
        vec::Vec,
    };
}

extern "C" {
    /// `size` bytes aligned to `align` (a power of two), or null.
    fn tvm_platform_alloc(size: usize, align: usize) -> *mut u8;
    /// Free what `tvm_platform_alloc(size, align)` returned.
    fn tvm_platform_free(ptr: *mut u8, size: usize, align: usize);
    /// End the process (or whatever runs the library); never returns.
    fn tvm_platform_abort() -> !;
}

/// The global allocator: the host's.
struct HostAlloc;

// SAFETY: the host functions allocate and free as `GlobalAlloc` requires
// (`platform/tvm-platform.c`: posix_memalign and free).
unsafe impl GlobalAlloc for HostAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: any size and power-of-two alignment may be asked for.
        unsafe { tvm_platform_alloc(layout.size(), layout.align()) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { tvm_platform_free(ptr, layout.size(), layout.align()) }
    }
}

#[global_allocator]
static ALLOC: HostAlloc = HostAlloc;

/// A panic (the VM's `panic` instruction, a bug) aborts through the host.
#[panic_handler]
fn panic(_info: &core::panic::PanicInfo<'_>) -> ! {
    // SAFETY: the host function takes no arguments and does not return.
    unsafe { tvm_platform_abort() }
}

/// `std::thread_local!` for the single-threaded platform: each key is a
/// static [`Local`] with the same `with` method. (Exported to the crate root
/// because `use` cannot import a name that is also a built-in attribute.)
#[macro_export]
macro_rules! thread_local {
    ($($(#[$attr:meta])* static $name:ident: $t:ty = const $init:block;)*) => {
        $($(#[$attr])* static $name: $crate::platform::Local<$t> = $crate::platform::Local($init);)*
    };
}

/// The value of a `thread_local!` key on the platform.
pub(crate) struct Local<T>(pub(crate) T);

// SAFETY: the platform is single-threaded (see the module docs), so no two
// threads ever reach the value.
unsafe impl<T> Sync for Local<T> {}

impl<T> Local<T> {
    /// Like `std::thread::LocalKey::with`.
    pub(crate) fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}
