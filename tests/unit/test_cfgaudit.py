"""The cfg scanner on tricky Rust: comments, strings, raw strings, macros, nested attributes."""

from __future__ import annotations

from minbuild.features.cfgaudit import audit, audit_source, render, to_json

TRICKY = r"""
// #[cfg(feature = "in_line_comment")]
/* #[cfg(feature = "in_block")] /* nested #[cfg(x)] */ cfg!(still_comment) */
//! #![cfg(doc_comment_is_a_comment)]
const A: &str = "#[cfg(feature = \"in_string\")] cfg!(no)";
const B: &str = r#"#[cfg(feature = "in_raw")] "quoted" cfg!(raw)"#;
const C: &[u8] = br##"#[cfg(feature = "in_raw_bytes")]"##;
const D: char = '#';
const E: char = '\'';
struct Holder<'a> { f: fn(u32) -> u32, s: &'a str }

#[cfg(feature = "logging")]
mod logger;

#[cfg(all(unix, not(feature = "bare"), target_os = "linux"))]
pub fn platform() -> &'static str {
    #[cfg(debug_assertions)]
    let x = 1;
    if cfg!(feature = "fast") { "fast" } else { "slow" }
}

#[cfg_attr(feature = "serde", derive(Serialize), cfg_attr(test, derive(Debug)))]
pub struct Config;

impl Config {
    #[cfg(test)]
    fn helper(&self) {
        let run = || {
            #[cfg(miri)]
            return;
        };
        macro_rules! m { () => { cfg!(my_custom_flag) } }
    }
}

cfg_if::cfg_if! {
    if #[cfg(feature = "alpha")] {
        fn pick() {}
    } else if #[cfg(target_arch = "wasm32")] {
        fn pick() {}
    } else {
        fn pick() {}
    }
}
"""


def test_comments_and_literals_make_no_hits() -> None:
    result = audit_source(TRICKY, "lib.rs")
    every = {f.name for f in (*result.features, *result.names)}
    for hidden in (
        "in_line_comment",
        "in_block",
        "x",
        "still_comment",
        "doc_comment_is_a_comment",
        "in_string",
        "no",
        "in_raw",
        "raw",
        "in_raw_bytes",
    ):
        assert hidden not in every


def test_counts_by_kind() -> None:
    result = audit_source(TRICKY, "lib.rs")
    assert result.cfg_attributes == 7  # cfg_if!'s two conditions included
    assert result.cfg_macros == 2  # cfg!(feature = "fast") and cfg!(my_custom_flag)
    assert result.cfg_attr == 1  # the nested cfg_attr is one of its attributes, not a cfg
    assert result.cfg_if_blocks == 1


def test_use_sites_are_inside_function_bodies() -> None:
    result = audit_source(TRICKY, "lib.rs")
    # debug_assertions (a statement) and miri (in a closure) sit in bodies; mod logger,
    # fn platform, the impl's #[cfg(test)] fn and cfg_if!'s two conditions are definitions
    # (the fn-pointer field in Holder must not make the next braces look like a body)
    assert (result.use_sites, result.definitions) == (2, 5)


def test_features_and_names_with_their_lines() -> None:
    result = audit_source(TRICKY, "lib.rs")
    features = [(f.name, f.line) for f in result.features]
    assert ("logging", 12) in features and ("bare", 15) in features
    assert ("fast", 19) in features and ("serde", 22) in features
    assert {"alpha"} <= {name for name, _ in features}
    names = {f.name for f in result.names}
    assert names == {
        "unix",
        "target_os",
        "debug_assertions",
        "test",
        "miri",
        "my_custom_flag",
        "target_arch",
    }


def test_undeclared_features_unexpected_names_and_pairs() -> None:
    sources = {
        "src/lib.rs": TRICKY,
        "src/net.rs": "",
        "src/net_disabled.rs": "",
        "src/other.rs": "",
    }
    declared = {name: ["logging", "bare", "fast", "serde"] for name in sources}
    result = audit(sources, declared, extra_names=[])
    assert [f.name for f in result.undeclared_features] == ["alpha"]
    assert [(f.name, f.line) for f in result.unexpected_names] == [("my_custom_flag", 32)]
    assert result.disabled_pairs == [("src/net.rs", "src/net_disabled.rs")]
    declared_custom = audit(sources, declared, extra_names=["my_custom_flag"])
    assert declared_custom.unexpected_names == []


def test_reports() -> None:
    result = audit({"src/lib.rs": TRICKY}, {"src/lib.rs": []})
    text = render(result)
    assert "features used in cfgs but not declared: 5" in text
    assert "  src/lib.rs:12: logging" in text
    assert '"use_sites": 2' in to_json(result)
