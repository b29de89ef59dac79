//! How many files a bench process may open: the soft `RLIMIT_NOFILE`, raised to the hard one.
//!
//! L1 holds 10,000 connections open at once, one file descriptor each, in the client
//! child and in the server alike. The soft limit is often 1,024 (systemd's default, and
//! many distributions'), while the hard limit, which an unprivileged process may raise
//! its soft limit to, is usually far higher (524,288 under systemd). So the parent, the
//! server and every child call [`raise_to_hard_limit`] first, with `setrlimit(2)`; a
//! process started afterwards inherits the raised limit anyway, but a child started by
//! hand (`bench-child-ripple L1 --server ...`) needs its own call. Where the hard limit
//! is too low, the parent skips L1 ([`too_few_for`]) instead of letting it fail on
//! `EMFILE` halfway through its connects.
//!
//! Path: `main.rs` (parent and server), `child.rs` -> here -> `setrlimit(2)`.

use nix::sys::resource::{Resource, getrlimit, setrlimit};

use crate::workloads::{Sizes, Workload};

/// Descriptors a process needs besides one per connection: stdio, the epoll instance,
/// the wake pipe, the listener, a `/stats` query, a few files of the allocator and libc.
const SPARE: u64 = 64;

/// Raises this process's soft limit on open files to its hard limit, and returns the
/// soft limit now in force.
pub fn raise_to_hard_limit() -> Result<u64, String> {
    let (soft, hard) =
        getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| format!("getrlimit(RLIMIT_NOFILE): {e}"))?;
    if soft >= hard {
        return Ok(soft);
    }
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard)
        .map_err(|e| format!("setrlimit(RLIMIT_NOFILE, {hard}): {e}"))?;
    Ok(hard)
}

/// Why `workload` cannot run with `limit` open files per process, if it cannot.
pub fn too_few_for(workload: Workload, sizes: Sizes, limit: u64) -> Option<String> {
    let connections = match workload {
        Workload::L1 => sizes.pending_gets,
        _ => return None,
    };
    let needed = connections + SPARE;
    (limit < needed).then(|| {
        format!(
            "it holds {connections} connections open at once and needs {needed} open files \
             in the client and in the server, but the hard limit is {limit} \
             (`ulimit -Hn`; raise it in /etc/security/limits.conf or systemd's \
             LimitNOFILE, then log in again)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l1_needs_a_descriptor_per_connection_and_some_spare_ones() {
        let sizes = Sizes::STANDARD;
        assert!(too_few_for(Workload::L1, sizes, 1_024).is_some());
        assert!(too_few_for(Workload::L1, sizes, 10_000).is_some());
        assert_eq!(too_few_for(Workload::L1, sizes, 10_000 + SPARE), None);
        assert_eq!(too_few_for(Workload::W1, sizes, 1_024), None);
    }

    #[test]
    fn raising_leaves_the_soft_limit_at_the_hard_one() {
        let soft = raise_to_hard_limit().unwrap();
        let (now, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
        assert_eq!((soft, now), (hard, hard));
    }
}
