//! Where the children run: pinned to core 1 with `taskset`, or wherever the OS puts them.
//!
//! A pinned child cannot be moved between cores mid-run, and leaves core 0 to the parent,
//! to the HTTP workloads' server (pinned there, so client and server never share a core)
//! and to whatever else shares the machine. Pinning needs `sched_setaffinity(2)`, an
//! `unsafe` call from Rust; this crate forbids `unsafe`, so it runs the child as
//! `taskset -c 1 <exe> --child ...` instead, and `taskset` makes the call before it
//! `exec`s the bench. The child reports its `Cpus_allowed_list`, so the parent can say
//! whether pinning took effect rather than hope it did.
//!
//! Path: `main.rs` asks [`Pinning::choose`] once; `parent.rs` calls [`Pinning::command`]
//! per child, `server.rs` [`Pinning::server_command`] for the server.

use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;

/// The core the children run on when the machine has two or more.
const CHILD_CORE: usize = 1;

/// The core the server of the HTTP workloads runs on when the children have [`CHILD_CORE`].
pub const SERVER_CORE: usize = 0;

/// How the children are placed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pinning {
    /// Every child runs under `taskset -c <core>`.
    Core(usize),
    /// Children run unpinned, for the reason given.
    Unpinned(String),
}

impl Pinning {
    /// Pins to core 1 if this process may use two or more cores and `taskset` works.
    pub fn choose() -> Pinning {
        let cores = thread::available_parallelism().map_or(1, |n| n.get());
        if cores <= CHILD_CORE {
            return Pinning::Unpinned(format!("only {cores} core available"));
        }
        let probe = Command::new("taskset")
            .args(["-c", &CHILD_CORE.to_string(), "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        match probe {
            Ok(status) if status.success() => Pinning::Core(CHILD_CORE),
            Ok(status) => Pinning::Unpinned(format!("`taskset -c {CHILD_CORE} true` {status}")),
            Err(e) => Pinning::Unpinned(format!("cannot run taskset: {e}")),
        }
    }

    /// The command that starts `exe` under this pinning; the caller adds the arguments.
    pub fn command(&self, exe: &Path) -> Command {
        match self {
            Pinning::Core(core) => taskset(*core, exe),
            Pinning::Unpinned(_) => Command::new(exe),
        }
    }

    /// The command that starts the server `exe` on [`SERVER_CORE`], the core the children
    /// leave free; unpinned if the children are.
    pub fn server_command(&self, exe: &Path) -> Command {
        match self {
            Pinning::Core(_) => taskset(SERVER_CORE, exe),
            Pinning::Unpinned(_) => Command::new(exe),
        }
    }
}

/// `taskset -c <core> <exe>`: `taskset` sets the mask, then `exec`s `exe` under its pid.
fn taskset(core: usize, exe: &Path) -> Command {
    let mut command = Command::new("taskset");
    command.arg("-c").arg(core.to_string()).arg(exe);
    command
}
