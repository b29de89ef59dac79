//! Pieces the demo programs share: the runtime they run on, and the `delay` coroutine.
//!
//! Each demo in `src/bin/` shows one idea of the chapter. They all build their runtime
//! here, so they share its settings: a warning names any task that blocks the loop for
//! 100 ms or more (the mistake asyncio's debug mode reports), and `--paused-clock`
//! replays the same story on a clock that jumps, instantly and with exact timings.
//!
//! Map:
//! - `lib.rs` (this file): [`runtime`], [`delay`].
//! - `tasks_pitfall.rs`: awaiting each task as it is spawned runs them one by one.
//! - `tour.rs`: every demo in order, each introduced by what to notice.
//!
//! Each demo is a module with an `Args` (its command line) and a `run`; `src/bin/` holds
//! one three-line `main` per demo, so `tour` can call them all in one process.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod tasks_pitfall;
pub mod tour;

use std::time::Duration;

use ripple_reactor::{Runtime, sleep};

/// How long one poll may hold the loop before the runtime names the task.
pub const SLOW_POLL_WARNING: Duration = Duration::from_millis(100);

/// The runtime every demo runs on; `paused_clock` makes time jump instead of pass.
pub fn runtime(paused_clock: bool) -> Runtime {
    let mut builder = Runtime::builder().warn_on_slow_poll(SLOW_POLL_WARNING);
    if paused_clock {
        builder = builder.paused_clock();
    }
    builder.build().unwrap_or_else(|e| {
        eprintln!("cannot start the runtime: {e}");
        std::process::exit(1)
    })
}

/// Sleeps for `seconds`, saying so before and after: the stand-in for slow work that the
/// chapter's examples use. Returns `seconds`.
pub async fn delay(seconds: u64) -> u64 {
    println!("  delay({seconds}): going to sleep for {seconds} s");
    sleep(Duration::from_secs(seconds)).await;
    println!("  delay({seconds}): awake again");
    seconds
}
