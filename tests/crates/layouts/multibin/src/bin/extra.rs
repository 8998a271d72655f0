fn main() {
    println!("extra {}", std::env::args().count() - 1);
}
