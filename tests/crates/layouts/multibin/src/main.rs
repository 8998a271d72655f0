fn main() {
    println!("multibin");
}
