//! `spawn_blocking`: run a blocking function on a small pool of threads, and await it.
//!
//! The loop's thread must never block: one `getaddrinfo` that waits five seconds would
//! stall every task for five seconds. So blocking work goes to a few helper threads, as
//! asyncio's `run_in_executor` sends it to a thread pool. A job's result travels back in a
//! [`JobResult`] cell; the helper thread then calls the awaiting task's waker, which, from
//! a foreign thread, goes through the executor's remote queue and pokes `epoll_wait`.
//!
//! Threads start on demand up to [`Builder::blocking_threads`](crate::Builder::blocking_threads)
//! and exit when the runtime is dropped; jobs beyond that wait in a FIFO queue.
//!
//! # Invariants
//! - `in_flight` counts jobs whose result has not yet been handed to the loop. It drops by
//!   one per job, exactly once (`JobResult::counted`), at whichever comes first: the helper
//!   has stored the result *and* woken the task, or the task has taken the result. So a
//!   loop that reads `in_flight == 0` and then drains its remote queue has seen every
//!   finished job, and the paused clock never jumps while a blocking job could still wake a
//!   task (tokio's issue #4522 is the bug this prevents); and a runtime whose tasks all
//!   have their results never counts a job as running.
//!
//! Path: `net/dns.rs` calls [`spawn_blocking`] -> a helper thread -> `executor.rs` (remote wake).

use std::collections::VecDeque;
use std::future::poll_fn;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::thread;

use crate::context;
use crate::task::JoinHandle;

type Job = Box<dyn FnOnce() + Send>;

/// The helper threads of one runtime and their queue of jobs.
pub(crate) struct BlockingPool {
    queue: Arc<JobQueue>,
    in_flight: Arc<AtomicUsize>,
    max_threads: usize,
}

struct JobQueue {
    state: Mutex<QueueState>,
    job_ready: Condvar,
}

struct QueueState {
    jobs: VecDeque<Job>,
    threads: usize,
    idle_threads: usize,
    shutdown: bool,
}

impl BlockingPool {
    pub(crate) fn new(max_threads: usize) -> Self {
        BlockingPool {
            queue: Arc::new(JobQueue {
                state: Mutex::new(QueueState {
                    jobs: VecDeque::new(),
                    threads: 0,
                    idle_threads: 0,
                    shutdown: false,
                }),
                job_ready: Condvar::new(),
            }),
            in_flight: Arc::new(AtomicUsize::new(0)),
            max_threads: max_threads.max(1),
        }
    }

    /// Jobs started and not yet handed back to the loop (see the invariant).
    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }

    fn submit(&self, job: Job) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        let mut state = self.queue.lock();
        state.jobs.push_back(job);
        if state.idle_threads > 0 || state.threads >= self.max_threads {
            drop(state);
            self.queue.job_ready.notify_one();
            return;
        }
        state.threads += 1;
        drop(state);
        let queue = Arc::clone(&self.queue);
        let started = thread::Builder::new()
            .name("ripple-blocking".into())
            .spawn(move || queue.work());
        if started.is_err() {
            // No thread could start (the process hit its limit). Run the queue here, on
            // the loop's thread: slow, but every job still completes.
            self.queue.lock().threads -= 1;
            while let Some(job) = self.queue.lock().jobs.pop_front() {
                job();
            }
        }
    }
}

impl Drop for BlockingPool {
    /// Tells the helpers to exit once the queue is empty. They are not joined: a job such
    /// as a slow DNS lookup may take seconds, and nothing waits for its answer any more.
    fn drop(&mut self) {
        self.queue.lock().shutdown = true;
        self.queue.job_ready.notify_all();
    }
}

impl JobQueue {
    fn lock(&self) -> MutexGuard<'_, QueueState> {
        // A job runs outside the lock and inside catch_unwind, so poisoning cannot happen;
        // if it ever did, the queue's data is still consistent.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A helper thread's life: take a job, run it, repeat until shutdown.
    fn work(&self) {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                drop(state);
                job();
                state = self.lock();
            } else if state.shutdown {
                state.threads -= 1;
                return;
            } else {
                state.idle_threads += 1;
                state = self
                    .job_ready
                    .wait(state)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                state.idle_threads -= 1;
            }
        }
    }
}

/// Where a job leaves its result, and the waker of the task that awaits it.
struct JobResult<T> {
    slot: Mutex<(Option<thread::Result<T>>, Option<Waker>)>,
    /// Whether this job has been taken off `in_flight` (see the invariants).
    counted: AtomicBool,
    in_flight: Arc<AtomicUsize>,
}

impl<T> JobResult<T> {
    fn lock(&self) -> MutexGuard<'_, (Option<thread::Result<T>>, Option<Waker>)> {
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the job off `in_flight`, the first time only.
    fn count_as_done(&self) {
        if !self.counted.swap(true, Ordering::AcqRel) {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Runs `function` on a helper thread and returns a handle to await its value.
///
/// A panic inside `function` comes back as [`JoinError::Panicked`](crate::JoinError::Panicked).
/// Cancelling the handle stops the wait, not the function: a thread cannot be interrupted,
/// so the function runs to the end and its value is dropped.
///
/// # Panics
/// Outside a ripple runtime.
pub fn spawn_blocking<F, T>(function: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let event_loop = context::current();
    let result = Arc::new(JobResult {
        slot: Mutex::new((None, None)),
        counted: AtomicBool::new(false),
        in_flight: Arc::clone(&event_loop.blocking.in_flight),
    });
    let job_result = Arc::clone(&result);
    event_loop.blocking.submit(Box::new(move || {
        let value = catch_unwind(AssertUnwindSafe(function));
        let waker = {
            let mut slot = job_result.lock();
            slot.0 = Some(value);
            slot.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
        // INVARIANT (in_flight): only after the result is stored and the task woken.
        job_result.count_as_done();
    }));
    let wait_for_result = poll_fn(move |cx| {
        let mut slot = result.lock();
        match slot.0.take() {
            Some(value) => {
                // INVARIANT (in_flight): the task has its result; the job can do no more.
                result.count_as_done();
                Poll::Ready(value)
            }
            None => {
                slot.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    });
    event_loop.executor.spawn(None, async move {
        match wait_for_result.await {
            Ok(value) => value,
            // Re-raised inside the waiting task, where the executor catches it and
            // reports it through the JoinHandle like any task's panic.
            Err(panic) => resume_unwind(panic),
        }
    })
}
