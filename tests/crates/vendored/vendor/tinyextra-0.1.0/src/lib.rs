/// Twice the number: only a build with the `extra` feature links this crate.
pub fn double(value: u64) -> u64 {
    value * 2
}
