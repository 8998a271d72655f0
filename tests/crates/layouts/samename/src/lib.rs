/// The greeting both targets named `samename` agree on.
pub fn greeting(who: &str) -> String {
    format!("hello from the lib, {who}")
}
