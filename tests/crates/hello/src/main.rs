//! The smallest crate minbuild's integration tests build: it formats, uses Debug and can panic,
//! so every stage of the staircase has something to act on.

#[cfg(feature = "broken")]
compile_error!("the `broken` feature does not compile (on purpose, for minbuild's tests)");

#[derive(Debug)]
struct Greeting<'a> {
    who: &'a str,
    times: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("panic") => panic!("asked to panic with {:?}", args),
        Some("hang") => loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        },
        Some("debug") => println!("{:?}", Greeting { who: "world", times: args.len() }),
        _ => greet(),
    }
}

#[cfg(feature = "greeting")]
fn greet() {
    let text = format!("hello, {}!", "world");
    println!("{}", if cfg!(feature = "shout") { text.to_uppercase() } else { text });
}

#[cfg(not(feature = "greeting"))]
fn greet() {
    println!("(no greeting)");
}
