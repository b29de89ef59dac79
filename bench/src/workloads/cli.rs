//! F1: the same GETs from the command line, ripple's `fetch` binary against `curl
//! --parallel`. ripple's column is `fetch`, the peer's (headed "tokio") is curl.
//!
//! The child (already pinned by `taskset`; the program inherits its mask) writes the URL
//! list to a temp file, then starts the program and waits for it: the wall time is the
//! program's whole life, start-up included, as a user at a shell would see it. Peak RSS
//! and CPU time are the program's own, from `getrusage(RUSAGE_CHILDREN)` once it has been
//! waited for: the child has no other children, so they are the program's.
//!
//! - ripple: `fetch -f FILE -c 64 -q > /dev/null` (one URL a line);
//! - curl: `curl -s --parallel --parallel-max 64 -K FILE`, the file holding a
//!   `url = "..."` and an `output = "/dev/null"` line per URL.
//!
//! The program must exit 0, and the server must have seen `requests` new request heads
//! (its `/stats`), so a program that skipped some URLs fails the run.
//!
//! Path: `workloads::run` -> [`gets`] -> `child.rs` reports.

use std::env;
use std::fs;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};

use super::Contender;
use crate::server;
use crate::stopwatch::Measured;

/// Requests in flight, for both programs.
pub const IN_FLIGHT: usize = 64;

/// ripple's `fetch`, next to this binary (`target/release/fetch`), if it is there.
pub fn fetch_binary() -> Result<PathBuf, String> {
    let exe = env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let fetch = exe.with_file_name("fetch");
    if fetch.is_file() {
        Ok(fetch)
    } else {
        Err(format!(
            "no {}: build it with `cargo build --release -p ripple-demos --bin fetch`",
            fetch.display()
        ))
    }
}

/// Whether `curl` runs (`curl --version`).
pub fn curl_available() -> Result<(), String> {
    match Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        Ok(status) if status.success() => Ok(()),
        Ok(status) => Err(format!("`curl --version` {status}")),
        Err(e) => Err(format!("no curl: {e}")),
    }
}

/// Why F1 cannot run here, if it cannot: the row is then skipped.
pub fn unavailable() -> Option<String> {
    fetch_binary().and(curl_available()).err()
}

/// The input file for `contender`: `fetch`'s URL list or curl's config.
pub fn input(contender: Contender, url: &str, requests: u64) -> String {
    let line = match contender {
        Contender::Ripple => format!("{url}\n"),
        _ => format!("url = \"{url}\"\noutput = \"/dev/null\"\n"),
    };
    line.repeat(requests as usize)
}

/// Fetches `/` from `server` `requests` times with `contender`'s program and measures it.
pub fn gets(server: SocketAddr, contender: Contender, requests: u64) -> Measured {
    let url = format!("http://{server}/");
    let path = env::temp_dir().join(format!(
        "ripple-bench-f1-{}-{contender}.txt",
        std::process::id()
    ));
    fs::write(&path, input(contender, &url, requests))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    let mut command = match contender {
        Contender::Ripple => {
            let mut command = Command::new(fetch_binary().unwrap_or_else(|e| panic!("{e}")));
            command
                .arg("-f")
                .arg(&path)
                .args(["-c", &IN_FLIGHT.to_string(), "-q"]);
            command
        }
        _ => {
            let mut command = Command::new("curl");
            command
                .args(["-s", "--parallel", "--parallel-max", &IN_FLIGHT.to_string()])
                .arg("-K")
                .arg(&path);
            command
        }
    };
    // curl 7.88 draws its parallel progress meter even with -s: stderr is dropped, and a
    // failure shows as the exit status.
    command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(match contender {
            Contender::Ripple => Stdio::inherit(),
            _ => Stdio::null(),
        });
    let before = server::stats(server).unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let elapsed = started.elapsed();
    let _ = fs::remove_file(&path);
    assert!(status.success(), "{command:?} {status}");
    let after = server::stats(server).unwrap_or_else(|e| panic!("{e}"));
    // The later /stats query is one request head of its own.
    let served = after
        .requests
        .saturating_sub(before.requests)
        .saturating_sub(1);
    assert_eq!(
        served, requests,
        "the server saw {served} GETs, not {requests}"
    );
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).expect("getrusage(RUSAGE_CHILDREN)");
    let cpu = timeval(usage.user_time()) + timeval(usage.system_time());
    Measured {
        elapsed,
        cpu: Some(cpu),
        // KiB on Linux.
        peak_rss_kib: u64::try_from(usage.max_rss()).ok(),
        baseline_rss_kib: None,
    }
}

fn timeval(tv: nix::sys::time::TimeVal) -> Duration {
    let seconds = u64::try_from(tv.tv_sec()).unwrap_or(0);
    let micros = u64::try_from(tv.tv_usec()).unwrap_or(0);
    Duration::from_secs(seconds) + Duration::from_micros(micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fetch_gets_a_url_a_line_and_curl_a_url_and_output_pair() {
        let url = "http://127.0.0.1:8080/";
        assert_eq!(
            input(Contender::Ripple, url, 2),
            "http://127.0.0.1:8080/\nhttp://127.0.0.1:8080/\n"
        );
        assert_eq!(
            input(Contender::Tokio, url, 1),
            "url = \"http://127.0.0.1:8080/\"\noutput = \"/dev/null\"\n"
        );
    }
}
