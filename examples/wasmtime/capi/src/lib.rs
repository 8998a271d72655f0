//! libwasmtime as a user builds it from crates.io: Wasmtime's C API (wasmtime-c-api-impl)
//! as a cdylib and a staticlib, the way Wasmtime's own `crates/c-api/artifact` makes it.
pub use wasmtime_c_api::*;
