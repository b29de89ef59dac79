//! How every demo starts: the flags they share, the runtime they run on, the timeline file.
//!
//! A demo's `run` hands its main future to [`RunArgs::block_on`], which builds the
//! runtime, runs the future to the end and, if `--timeline FILE.svg` was given, turns the
//! runtime's task trace into a picture (`timeline.rs`). Every runtime here warns about a
//! poll that holds the loop for [`SLOW_POLL_WARNING`] or more, naming the task: that is how
//! blocking code in an async program gets caught.
//!
//! Path: a demo's `run` -> [`RunArgs::block_on`] -> `ripple_reactor::Runtime::block_on`;
//! afterwards `Runtime::take_trace` -> `timeline.rs`.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use ripple_reactor::Runtime;

use crate::timeline::Timeline;

/// How long one poll may hold the loop before the runtime names the task.
pub const SLOW_POLL_WARNING: Duration = Duration::from_millis(100);

/// The flags every demo has.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct RunArgs {
    /// Replay the demo on a paused clock: whenever no task can run, time jumps to the
    /// next deadline. The run is instant and every figure printed is exact.
    #[arg(long)]
    pub paused_clock: bool,
    /// Also draw the run to FILE.svg: one bar per task, from spawn to end, on a shared
    /// time axis (the local server's own tasks are left out).
    #[arg(long, value_name = "FILE.svg")]
    pub timeline: Option<PathBuf>,
}

impl RunArgs {
    /// Runs `main` on a new runtime built from these flags; then writes the timeline, if
    /// asked for, titled `title`.
    pub fn block_on<F: Future>(&self, title: &str, main: F) -> F::Output {
        let rt = build(self.paused_clock, self.timeline.is_some());
        let output = rt.block_on(main);
        if let Some(path) = &self.timeline {
            let clock = if self.paused_clock {
                "paused clock"
            } else {
                "real clock"
            };
            let timeline = Timeline::from_trace(&format!("{title} ({clock})"), &rt.take_trace());
            match timeline.write(path) {
                Ok(()) => println!(
                    "\nTimeline: {} task bars written to {}",
                    timeline.bars().len(),
                    path.display()
                ),
                Err(e) => eprintln!("cannot write the timeline to {}: {e}", path.display()),
            }
        }
        output
    }
}

/// The runtime every demo runs on; `paused_clock` makes time jump instead of pass.
pub fn runtime(paused_clock: bool) -> Runtime {
    build(paused_clock, false)
}

fn build(paused_clock: bool, trace: bool) -> Runtime {
    let mut builder = Runtime::builder().warn_on_slow_poll(SLOW_POLL_WARNING);
    if paused_clock {
        builder = builder.paused_clock();
    }
    if trace {
        builder = builder.trace();
    }
    builder.build().unwrap_or_else(|e| {
        eprintln!("cannot start the runtime: {e}");
        std::process::exit(1)
    })
}
