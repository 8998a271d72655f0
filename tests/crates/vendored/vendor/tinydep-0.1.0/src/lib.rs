/// The sum of `numbers`, wrapping on overflow.
pub fn sum(numbers: &[u64]) -> u64 {
    numbers.iter().fold(0, |total, n| total.wrapping_add(*n))
}
