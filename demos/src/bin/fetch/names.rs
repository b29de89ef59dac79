//! `FileNames`: a safe, unique file name for each URL's body under `--out-dir`.
//!
//! A URL is text from the user or from a file anyone may have written, and a name made
//! from it must not escape the directory: no `/`, no `..`, no hidden or device-looking
//! names. So the name keeps only `A-Z a-z 0-9 . _ -` of the URL after its scheme, every
//! other run of characters becomes one `_`, and dots and underscores are trimmed from
//! both ends: `http://127.0.0.1:8080/a/../b?x=1` is `127.0.0.1_8080_a_.._b_x_1`, one plain
//! name (the `..` inside it is harmless, since it is not a whole path component). Names
//! are cut at [`MAX_NAME`] bytes, and a name seen before in this run gets `_2`, `_3`, ...:
//! two URLs never write the same file.
//!
//! Path: `list.rs` names each URL as a worker takes it, which is in input order.

use std::collections::HashSet;

/// The longest name made, in bytes (far below the usual 255-byte limit of a file name,
/// leaving room for the `_N` suffix and the temporary file's prefix and suffix).
pub const MAX_NAME: usize = 120;

/// The names handed out so far in this run.
#[derive(Debug, Default)]
pub struct FileNames {
    used: HashSet<String>,
}

impl FileNames {
    /// A safe name for `url`, different from every name returned before.
    pub fn name_for(&mut self, url: &str) -> String {
        let base = safe_name(url);
        let mut name = base.clone();
        let mut n = 1;
        // Lowercased: on a case-insensitive file system `A` and `a` are one file.
        while !self.used.insert(name.to_ascii_lowercase()) {
            n += 1;
            name = format!("{base}_{n}");
        }
        name
    }
}

/// The URL without its scheme, reduced to `A-Z a-z 0-9 . _ -`.
fn safe_name(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let mut name = String::with_capacity(rest.len().min(MAX_NAME));
    for c in rest.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '-') {
            name.push(c);
        } else if !name.ends_with('_') {
            name.push('_');
        }
        if name.len() >= MAX_NAME {
            break;
        }
    }
    let name = name.trim_matches(|c| c == '_' || c == '.');
    if name.is_empty() {
        "index".to_owned()
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_only_safe_characters() {
        let mut names = FileNames::default();
        assert_eq!(
            names.name_for("http://127.0.0.1:8080/a/../b?x=1"),
            "127.0.0.1_8080_a_.._b_x_1"
        );
        assert_eq!(names.name_for("https://example.com/"), "example.com");
        assert_eq!(names.name_for("http://h/%2e%2e/%2F"), "h_2e_2e_2F");
    }

    #[test]
    fn no_name_escapes_the_directory() {
        let mut names = FileNames::default();
        for url in [
            "../../etc/passwd",
            "http://../",
            "http:///..",
            ".",
            "",
            "/",
            "..\\..",
            "~",
        ] {
            let name = names.name_for(url);
            assert!(
                !name.is_empty() && !name.starts_with('.'),
                "{url:?} -> {name:?}"
            );
            assert!(
                !name.contains('/') && !name.contains('\\'),
                "{url:?} -> {name:?}"
            );
        }
    }

    #[test]
    fn names_are_unique_and_bounded() {
        let mut names = FileNames::default();
        assert_eq!(names.name_for("http://h/a"), "h_a");
        assert_eq!(names.name_for("http://h/a?"), "h_a_2");
        assert_eq!(names.name_for("http://H/A"), "H_A_3");
        let long = format!("http://h/{}", "x".repeat(1000));
        assert_eq!(names.name_for(&long).len(), MAX_NAME);
        assert!(names.name_for(&long).ends_with("_2"));
    }
}
