//! The thread-local "current runtime" behind the free functions `spawn()` and `sleep()`.
//!
//! [`Runtime::block_on`](crate::Runtime::block_on) installs its event loop here for as long
//! as it runs, and restores what was there before when it returns (or unwinds). Free
//! functions such as [`spawn`](crate::spawn) and [`sleep`](crate::sleep) find the loop here,
//! the way asyncio's `get_running_loop()` does.
//!
//! A waker uses this module too: when it fires on the loop's own thread it pushes its task
//! straight onto the local run queue, with no lock (see `executor.rs`).
//!
//! Path: `runtime.rs` enters -> every free function reads -> `runtime.rs` leaves.

use std::cell::RefCell;
use std::rc::Rc;

use crate::runtime::EventLoop;

thread_local! {
    /// The event loop that `block_on` is running on this thread, if any.
    static CURRENT: RefCell<Option<Rc<EventLoop>>> = const { RefCell::new(None) };
}

/// Restores the previous "current runtime" when dropped, even if `block_on` unwinds.
pub(crate) struct EnterGuard {
    previous: Option<Rc<EventLoop>>,
}

/// Makes `event_loop` the current one on this thread until the guard is dropped.
pub(crate) fn enter(event_loop: Rc<EventLoop>) -> EnterGuard {
    let previous = CURRENT.with(|current| current.borrow_mut().replace(event_loop));
    EnterGuard { previous }
}

impl Drop for EnterGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|current| *current.borrow_mut() = previous);
    }
}

/// Whether a runtime is running on this thread right now.
pub(crate) fn is_inside_runtime() -> bool {
    CURRENT.with(|current| current.borrow().is_some())
}

/// The current event loop; panics with a clear message outside a runtime.
///
/// Calling `spawn` or `sleep` outside a runtime is a programming error, the same one
/// tokio reports with a panic, so this is one of the few places the crate panics.
pub(crate) fn current() -> Rc<EventLoop> {
    try_current().unwrap_or_else(|| {
        panic!("this function must be called from inside a ripple runtime (ripple_reactor::run or Runtime::block_on)")
    })
}

/// The current event loop, if any.
pub(crate) fn try_current() -> Option<Rc<EventLoop>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Runs `f` on the current event loop without cloning the `Rc`, if the current loop has
/// the given id. Used by wakers on the hot path.
pub(crate) fn with_loop_if<R>(loop_id: u64, f: impl FnOnce(&EventLoop) -> R) -> Option<R> {
    CURRENT.with(|current| match &*current.borrow() {
        Some(event_loop) if event_loop.id == loop_id => Some(f(event_loop)),
        _ => None,
    })
}
