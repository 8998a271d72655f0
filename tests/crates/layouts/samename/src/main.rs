fn main() {
    let who = std::env::args().nth(1).unwrap_or_else(|| "bin".to_string());
    println!("{}", samename::greeting(&who));
}
