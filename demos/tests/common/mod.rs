//! What the demo tests share: run a demo's binary and read what it printed.

#![allow(dead_code)] // each test binary uses its own part of this

use std::path::Path;
use std::process::Command;

/// Runs the binary at `path` with `args`, asserts it succeeded, returns its stdout.
pub fn run(path: &str, args: &[&str]) -> String {
    let output = Command::new(path).args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{path} {args:?} failed: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Asserts that each of `parts` occurs in `out`, each after the one before.
pub fn in_order(out: &str, parts: &[&str]) {
    let mut from = 0;
    for part in parts {
        match out[from..].find(part) {
            Some(at) => from += at + part.len(),
            None => panic!("{part:?} missing, or out of order, in:\n{out}"),
        }
    }
}

/// The `class="bar"` elements of the SVG at `path`, after checking it parses.
pub fn svg_bars(path: &Path) -> Vec<String> {
    let svg = std::fs::read_to_string(path).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the timeline is well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|node| node.attribute("class") == Some("bar"))
        .map(|bar| {
            bar.children()
                .find(|child| child.tag_name().name() == "title")
                .and_then(|title| title.text())
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// A fresh path for a timeline file in the system's temporary directory.
pub fn temp_svg(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ripple-demos-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!("{name}.svg"))
}
