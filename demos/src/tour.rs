//! The tour: every demo, in the chapter's order, each introduced by what to notice.
//!
//! This is the program README's first command runs. It calls each demo's `run` in this
//! process with the demo's defaults, so it needs nothing but the local machine: every
//! request goes to the example server each demo starts on 127.0.0.1. The chapter's
//! delays of seconds become hundreds of milliseconds (the 1,000 requests of `gather`
//! keep their 10 ms each), so the whole tour takes about 20 s on a real clock and
//! no time at all with `--paused-clock`.
//!
//! Path: `bin/tour.rs` -> here -> each demo module's `run`.

use clap::Parser;

/// Runs every demo in order, offline, each with a line on what to look for.
#[derive(Parser, Debug, Clone, Default)]
#[command(name = "tour", version)]
pub struct Args {
    /// Replay every demo on a paused clock: instant, with exact timings.
    #[arg(long)]
    pub paused_clock: bool,
}

/// One stop of the tour: a demo's name, what to notice, and how to run it.
struct Stop {
    name: &'static str,
    notice: &'static str,
    run: fn(&Args),
}

/// A stop that runs `crate::$demo::run` with the demo's defaults and the tour's clock.
macro_rules! stop {
    ($demo:ident, $notice:expr) => {
        Stop {
            name: stringify!($demo),
            notice: $notice,
            run: |tour| {
                let mut args = crate::$demo::Args::default();
                args.run.paused_clock = tour.paused_clock;
                crate::$demo::run(args)
            },
        }
    };
}

const STOPS: &[Stop] = &[
    stop!(
        context_manager,
        "the connection is released on both ways out: by an awaited close(), and by Drop \
         when the block leaves early."
    ),
    stop!(
        first_request,
        "one session, one GET, status 200; the second GET reuses the pooled connection."
    ),
    stop!(
        timeouts,
        "a request over its limit fails with an error naming the limit (total) and the \
         phase it was in."
    ),
    stop!(
        tasks_pitfall,
        "awaiting each task as soon as it is spawned takes the sum of the delays; \
         spawning all first takes only the longest."
    ),
    stop!(
        gather,
        "1,000 requests at once take about 0.1 s, one at a time 10 s or more; 100 \
         connections are opened once and reused (the slow part takes ~10 s here)."
    ),
    stop!(
        gather_order,
        "the second request answers first, yet gather's list is in input order."
    ),
    stop!(
        gather_exceptions,
        "try_gather returns the first error at once while the others run on (unless \
         cancel_on_error); gather_results keeps every outcome."
    ),
    stop!(
        as_completed,
        "the two fast results are printed long before the slow one arrives."
    ),
    stop!(
        as_completed_timeout,
        "two requests time out as a group; they keep running until cancel_remaining()."
    ),
    stop!(
        wait_all,
        "wait(AllCompleted) hands back every outcome, the failure included, in finishing \
         order."
    ),
    stop!(
        wait_first_exception,
        "wait returns at the first failure; the caller then cancels the pending requests."
    ),
    stop!(
        wait_first_completed,
        "a loop of wait(FirstCompleted) handles each result as it arrives."
    ),
    stop!(
        wait_timeout,
        "wait's timeout splits done from pending and cancels nothing: the slow one still \
         finishes."
    ),
    stop!(
        cancel,
        "results as they come within a budget, then the pending requests cancelled and \
         their pool slots given back."
    ),
];

/// Runs the tour.
pub fn run(args: Args) {
    let clock = if args.paused_clock {
        " on a paused clock (instant, exact timings)"
    } else {
        " (about 20 s; add --paused-clock to replay it instantly)"
    };
    println!(
        "ripple's tour: {} demos, one per idea of the chapter \"Concurrent web requests\"{clock}.\n\
         Every request goes to a local example server on 127.0.0.1; the chapter's seconds \
         are hundreds of milliseconds here.\n",
        STOPS.len()
    );
    for (number, stop) in STOPS.iter().enumerate() {
        println!(
            "==> [{}/{}] {}: {}",
            number + 1,
            STOPS.len(),
            stop.name,
            stop.notice
        );
        println!(
            "    (run it alone: cargo run --release -p ripple-demos --bin {} -- --help)\n",
            stop.name
        );
        (stop.run)(&args);
        println!();
    }
    println!(
        "End of the tour. docs/GUIDE.md follows each demo through the code, and one request \
         from session.get(url) down to epoll_wait and back."
    );
}
