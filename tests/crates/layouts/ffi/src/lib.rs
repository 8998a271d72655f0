//! A C-ABI library in a workspace member: minbuild measures its .so and .a.

/// Adds two numbers, for a C caller.
#[no_mangle]
pub extern "C" fn ffi_add(a: i32, b: i32) -> i32 {
    a.wrapping_add(b)
}
