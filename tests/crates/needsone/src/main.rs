#[cfg(not(any(feature = "engine-a", feature = "engine-b")))]
compile_error!("needsone needs an engine: enable engine-a or engine-b");

fn main() {
    let engine = if cfg!(feature = "engine-a") { "a" } else { "b" };
    println!("needsone 0.1.0 (engine {engine})");
}
