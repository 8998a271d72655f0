//! A binary that says how it was built, so a test can tell which build it ran: the stage's
//! (optimized, no debug assertions) or the one `cargo test` built for it (debug assertions on).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("--marker") => println!(
            "debug_assertions={} panic={}",
            cfg!(debug_assertions),
            if cfg!(panic = "abort") { "abort" } else { "unwind" }
        ),
        Some("--panic") => panic!("boom from marked"),
        _ if cfg!(feature = "shout") => println!("HELLO"),
        _ => println!("hello"),
    }
}
