fn main() {
    let mut buffer = itoa::Buffer::new();
    println!("itoa says {}", buffer.format(1234567_u32));
}
