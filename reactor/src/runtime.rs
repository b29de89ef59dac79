//! The runtime: build one, hand it a future, and it turns the loop until that future is done.
//!
//! [`Runtime::block_on`] polls the main future whenever it is woken and, in between, turns
//! the loop ([`EventLoop::turn`]): run the woken tasks, fire due timers, ask `epoll_wait`
//! which sockets are ready (blocking only until the next deadline), and wake the tasks
//! parked on them. When the main future finishes, every task still alive is dropped, as
//! `asyncio.run` cancels what is left; [`run`] is `asyncio.run` in one call.
//!
//! Path: `block_on` -> `turn` -> `executor.rs` (run), `time/timers.rs` (fire),
//! `reactor.rs` (poll, dispatch), and around again.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use crate::blocking::BlockingPool;
use crate::context;
use crate::executor::Executor;
use crate::reactor::Reactor;
use crate::task::JoinHandle;
use crate::time::clock::Clock;
use crate::time::timers::Timers;
use crate::trace::{Trace, TraceEvent};
use crate::waker::{MainWaker, RemoteQueue};

/// How many tasks one turn polls before it looks at I/O and timers again.
const TASKS_PER_TURN: usize = 256;

/// Runs `main` to completion on a new runtime, then drops every task still alive:
/// the `asyncio.run` of ripple.
///
/// # Panics
/// If the OS refuses an `epoll` instance, or if called from inside a runtime.
pub fn run<F: Future>(main: F) -> F::Output {
    let runtime = Runtime::new().unwrap_or_else(|e| panic!("cannot start the ripple runtime: {e}"));
    runtime.block_on(main)
}

/// Settings for a [`Runtime`].
#[derive(Clone, Debug)]
pub struct Builder {
    paused_clock: bool,
    trace: bool,
    slow_poll_threshold: Option<Duration>,
    blocking_threads: usize,
}

impl Builder {
    /// Real clock, no trace, no slow-poll warnings, up to 4 blocking threads.
    pub fn new() -> Self {
        Builder {
            paused_clock: false,
            trace: false,
            slow_poll_threshold: None,
            blocking_threads: 4,
        }
    }

    /// A clock that stands still and jumps to the next deadline whenever nothing else can
    /// happen. Tests of timing become exact and instant.
    pub fn paused_clock(mut self) -> Self {
        self.paused_clock = true;
        self
    }

    /// Records task events for [`Runtime::take_trace`].
    pub fn trace(mut self) -> Self {
        self.trace = true;
        self
    }

    /// Prints a warning naming any task whose single poll holds the loop this long or
    /// longer: blocking code in an async task, the mistake asyncio's debug mode reports.
    pub fn warn_on_slow_poll(mut self, threshold: Duration) -> Self {
        self.slow_poll_threshold = Some(threshold);
        self
    }

    /// The most threads [`spawn_blocking`](crate::spawn_blocking) may start (at least 1).
    pub fn blocking_threads(mut self, threads: usize) -> Self {
        self.blocking_threads = threads;
        self
    }

    /// Creates the runtime: an `epoll` instance, its waker, and empty task and timer lists.
    pub fn build(self) -> io::Result<Runtime> {
        static NEXT_LOOP_ID: AtomicU64 = AtomicU64::new(1);
        let id = NEXT_LOOP_ID.fetch_add(1, Ordering::Relaxed);
        let (reactor, poll_waker) = Reactor::new()?;
        let remote = Arc::new(RemoteQueue::new(id, poll_waker));
        let clock = if self.paused_clock {
            Clock::paused()
        } else {
            Clock::real()
        };
        let trace = self.trace.then(|| Trace::new(clock.clone()));
        let event_loop = EventLoop {
            id,
            executor: Rc::new(Executor::new(
                Arc::clone(&remote),
                trace,
                self.slow_poll_threshold,
            )),
            reactor: Rc::new(reactor),
            timers: Rc::new(Timers::new(clock.clone())),
            blocking: BlockingPool::new(self.blocking_threads),
            clock,
        };
        let main_waker = Arc::new(MainWaker::new(remote));
        Ok(Runtime {
            event_loop: Rc::new(event_loop),
            main_waker,
        })
    }
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

/// A single-threaded async runtime: one executor, one reactor, one timer list.
pub struct Runtime {
    event_loop: Rc<EventLoop>,
    main_waker: Arc<MainWaker>,
}

/// Numbers that describe a runtime at one moment, as plain data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuntimeStats {
    /// Tasks spawned and not yet ended.
    pub live_tasks: usize,
    /// Sockets registered with the reactor.
    pub io_sources: usize,
    /// Sleeps waiting for their deadline.
    pub timers: usize,
    /// Blocking jobs not yet handed back to the loop.
    pub blocking_in_flight: usize,
    /// Task polls so far.
    pub polls: u64,
    /// Polls that exceeded the [`Builder::warn_on_slow_poll`] threshold.
    pub slow_polls: u64,
}

impl Runtime {
    /// A runtime with the default settings; see [`Builder`] for others.
    pub fn new() -> io::Result<Runtime> {
        Builder::new().build()
    }

    /// Starts building a runtime with non-default settings.
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// Runs `main` to completion, turning the loop for every task spawned meanwhile.
    /// When `main` returns, every task still alive is dropped (cancelled), as `asyncio.run`
    /// does, so its sockets and timers are released.
    ///
    /// # Panics
    /// When called from inside a runtime (a nested loop would deadlock the outer one), or
    /// if `epoll_wait` itself fails.
    pub fn block_on<F: Future>(&self, main: F) -> F::Output {
        assert!(
            !context::is_inside_runtime(),
            "Runtime::block_on called from inside a ripple runtime; await the future instead"
        );
        let _entered = context::enter(Rc::clone(&self.event_loop));
        let mut main = pin!(main);
        let waker = Waker::from(Arc::clone(&self.main_waker));
        let mut cx = Context::from_waker(&waker);
        self.main_waker.take_woken();
        let output = loop {
            if let Poll::Ready(output) = main.as_mut().poll(&mut cx) {
                break output;
            }
            // Turn at least once (a `yield_now` in `main` lets the tasks run), then until
            // something wakes `main`.
            loop {
                if let Err(e) = self.event_loop.turn(&self.main_waker) {
                    panic!("ripple: epoll_wait failed: {e}");
                }
                if self.main_waker.take_woken() {
                    break;
                }
            }
        };
        self.event_loop.executor.cancel_all();
        output
    }

    /// Spawns a task onto this runtime from outside it; it starts at the next `block_on`.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.event_loop.executor.spawn(None, future)
    }

    /// The runtime's clock: real, or paused.
    pub fn now(&self) -> Instant {
        self.event_loop.clock.now()
    }

    /// Counts of tasks, sockets, timers and blocking jobs, right now.
    pub fn stats(&self) -> RuntimeStats {
        let event_loop = &self.event_loop;
        RuntimeStats {
            live_tasks: event_loop.executor.live_tasks(),
            io_sources: event_loop.reactor.live_sources(),
            timers: event_loop.timers.len(),
            blocking_in_flight: event_loop.blocking.in_flight(),
            polls: event_loop.executor.polls(),
            slow_polls: event_loop.executor.slow_polls(),
        }
    }

    /// Whether nothing is left behind: no task, no registered socket, no timer, no
    /// blocking job. Tests end with `assert!(rt.is_idle())`.
    pub fn is_idle(&self) -> bool {
        let stats = self.stats();
        stats.live_tasks == 0
            && stats.io_sources == 0
            && stats.timers == 0
            && stats.blocking_in_flight == 0
    }

    /// The task events recorded so far (empty unless built with [`Builder::trace`]); the
    /// record starts afresh after each call.
    pub fn take_trace(&self) -> Vec<TraceEvent> {
        self.event_loop
            .executor
            .trace()
            .map(Trace::take)
            .unwrap_or_default()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        // Tasks spawned with `Runtime::spawn` and never run still own sockets and timers.
        let _entered =
            (!context::is_inside_runtime()).then(|| context::enter(Rc::clone(&self.event_loop)));
        self.event_loop.executor.cancel_all();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("stats", &self.stats())
            .finish()
    }
}

/// Everything one loop owns. Shared by `Rc` with the thread-local context, so free
/// functions (`spawn`, `sleep`, `TcpStream::connect`) can reach it.
pub(crate) struct EventLoop {
    pub(crate) id: u64,
    pub(crate) executor: Rc<Executor>,
    pub(crate) reactor: Rc<Reactor>,
    pub(crate) timers: Rc<Timers>,
    pub(crate) blocking: BlockingPool,
    clock: Clock,
}

impl EventLoop {
    /// One turn of the loop. The whole runtime is these steps, repeated.
    fn turn(&self, main_waker: &MainWaker) -> io::Result<()> {
        // 1. Poll the tasks that are ready now, at most a budget, so I/O is not starved.
        self.executor.run_ready(TASKS_PER_TURN);
        // 2. Wake the tasks whose deadline has passed.
        self.timers.fire_due();
        // 3. Block no longer than the next deadline, and not at all if work is queued.
        // INVARIANT (blocking.rs, in_flight): read before the remote queue is drained.
        let jobs_idle = self.blocking.in_flight() == 0;
        let timeout = self.poll_timeout(main_waker, jobs_idle);
        // 4. Ask the OS which sockets are ready (mio -> epoll_wait).
        let any_event = self.reactor.poll(timeout)?;
        // 5. Move the tasks parked on those sockets, or woken by other threads, to the run queue.
        self.reactor.dispatch();
        self.executor.take_remote_wakes();
        // 6. Paused clock: if nothing happened and nothing can, jump to the next deadline.
        if self.clock.is_paused() && !any_event && jobs_idle && !self.has_ready_work(main_waker) {
            self.timers.advance_clock_to_next_deadline();
        }
        Ok(())
    }

    fn has_ready_work(&self, main_waker: &MainWaker) -> bool {
        main_waker.is_woken() || self.executor.has_ready_tasks()
    }

    /// How long `epoll_wait` may block: `None` means until an event.
    fn poll_timeout(&self, main_waker: &MainWaker, jobs_idle: bool) -> Option<Duration> {
        if self.has_ready_work(main_waker) {
            return Some(Duration::ZERO);
        }
        let deadline = self.timers.next_deadline()?;
        if self.clock.is_paused() {
            // Look without waiting; if nothing turns up, step 6 jumps the clock. A blocking
            // job in flight may still wake a task: wait for it instead of jumping.
            return if jobs_idle {
                Some(Duration::ZERO)
            } else {
                None
            };
        }
        // mio rounds up to whole milliseconds, so the loop never wakes before the deadline.
        Some(deadline.saturating_duration_since(self.clock.now()))
    }
}
