fn main() {
    let numbers: Vec<u64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    println!("sum {}", tinydep::sum(&numbers));
}
