//! A library for a board whose OS Rust does not know: `no_std` + `alloc`, memory and abort
//! from the host through C functions (board/board.c), one dependency (memchr, no_std).
#![no_std]
extern crate alloc;

use alloc::vec::Vec;

extern "C" {
    fn board_alloc(size: usize, align: usize) -> *mut u8;
    fn board_free(ptr: *mut u8);
    fn board_abort() -> !;
}

struct Board;

unsafe impl core::alloc::GlobalAlloc for Board {
    unsafe fn alloc(&self, layout: core::alloc::Layout) -> *mut u8 {
        board_alloc(layout.size(), layout.align())
    }
    unsafe fn dealloc(&self, ptr: *mut u8, _: core::alloc::Layout) {
        board_free(ptr)
    }
}

#[global_allocator]
static ALLOCATOR: Board = Board;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    unsafe { board_abort() }
}

/// Room for `len` bytes of input, which the host fills.
#[no_mangle]
pub extern "C" fn board_buffer(len: u32) -> *mut u8 {
    unsafe { board_alloc(len as usize, 1) }
}

/// How many times `byte` occurs in the `len` bytes at `data` (counted over a heap copy).
///
/// # Safety
/// `data` points to `len` readable bytes.
#[no_mangle]
pub unsafe extern "C" fn board_count(data: *const u8, len: u32, byte: u32) -> u32 {
    let copy: Vec<u8> = core::slice::from_raw_parts(data, len as usize).to_vec();
    memchr::memchr_iter(byte as u8, &copy).count() as u32
}

/// Panics: the host's board_abort ends the process.
#[no_mangle]
pub extern "C" fn board_panic(code: u32) -> u32 {
    let values: Vec<u32> = Vec::new();
    values[code as usize]
}
