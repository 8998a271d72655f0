fn main() {
    println!("fancy, with features: {}", if cfg!(feature = "fancy") { "fancy" } else { "none" });
}
