fn main() {
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!("vendored {}", env!("CARGO_PKG_VERSION"));
        return;
    }
    let numbers: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sum = tinydep::sum(&numbers);
    #[cfg(feature = "extra")]
    let sum = tinyextra::double(sum);
    println!("sum {sum}");
}
