//! `PartialFile`: a body being saved, which appears under its name whole or not at all.
//!
//! The bytes go to a temporary file in the same directory (`.NAME.PID.N.part`), and only
//! once the last one is written does `rename(2)` give it the real name. A rename within
//! one file system is atomic: a reader of `NAME` sees the old file or the whole new one,
//! never half a download. If anything fails first (the server closes mid-body, a
//! timeout, the `--deadline`, a full disk), the value is dropped and `Drop` removes the
//! temporary file. The data is not `fsync`ed: a crash of the machine may still lose it,
//! which is a different promise from "never half a file".
//!
//! The writes are plain blocking `write(2)`s on the loop's thread. Writing to a local disk
//! is a copy into the page cache, far shorter than the network waits around it; a tool
//! that writes to a slow network file system would hand them to `spawn_blocking` instead.
//!
//! Path: `single.rs` (`-o`) and `list.rs` (`--out-dir`) create one per body.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers the temporary files of this process, so two never share a name.
static NEXT_TEMPORARY: AtomicU64 = AtomicU64::new(0);

/// A file being written under a temporary name.
#[derive(Debug)]
pub struct PartialFile {
    file: File,
    temporary: PathBuf,
    target: PathBuf,
    /// Set by `commit`: the temporary file is gone (renamed), nothing to remove.
    committed: bool,
}

impl PartialFile {
    /// Starts a file that will be called `target`.
    pub fn create(target: &Path) -> io::Result<PartialFile> {
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
        let n = NEXT_TEMPORARY.fetch_add(1, Ordering::Relaxed);
        let temporary = target.with_file_name(format!(
            ".{}.{}.{n}.part",
            name.to_string_lossy(),
            std::process::id()
        ));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        Ok(PartialFile {
            file,
            temporary,
            target: target.to_owned(),
            committed: false,
        })
    }

    /// Appends `bytes`.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.file.write_all(bytes)
    }

    /// Gives the file its real name, replacing any file of that name.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        fs::rename(&self.temporary, &self.target)?;
        self.committed = true;
        Ok(())
    }

    /// The name the file will have.
    pub fn target(&self) -> &Path {
        &self.target
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.committed {
            // Nothing more to do if this fails: the error that got us here is the news.
            let _ = fs::remove_file(&self.temporary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("fetch-save-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_committed_file_appears_whole_under_its_name() {
        let dir = scratch_dir("commit");
        let target = dir.join("body");
        let mut file = PartialFile::create(&target).unwrap();
        file.write(b"hello, ").unwrap();
        assert!(
            !target.exists(),
            "nothing under the real name before the commit"
        );
        file.write(b"world").unwrap();
        file.commit().unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"hello, world");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_dropped_file_leaves_nothing_behind() {
        let dir = scratch_dir("drop");
        let mut file = PartialFile::create(&dir.join("body")).unwrap();
        file.write(b"half").unwrap();
        drop(file);
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
        fs::remove_dir_all(&dir).unwrap();
    }
}
