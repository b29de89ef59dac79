//! The reactor: which socket is ready, and which task is waiting for it.
//!
//! Each socket is registered once with `mio::Poll` (edge-triggered, for reading and
//! writing) under a `Token` equal to its [`IoSlot`]'s index. When no task can run, the loop
//! calls [`Reactor::poll`], which blocks in `epoll_wait`; [`Reactor::dispatch`] marks the
//! slots each event names as ready and wakes the tasks parked on them.
//!
//! A slot remembers readiness, as tokio's does: after an event the direction is `ready`
//! until a syscall returns `WouldBlock`, so a task never parks on a socket that has data,
//! and never retries a syscall that is bound to fail.
//!
//! Two rules make edge-triggered readiness safe:
//! - a task tries the syscall first and parks only after `WouldBlock` (or a known-empty
//!   socket); the edge that ends the wait is still ahead of it;
//! - a wake may be spurious (the task just retries); a wake is never lost.
//!
//! Path: `net/tcp.rs` parks here -> `runtime.rs` polls -> `executor.rs` reruns the task.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Token};
use slab::Slab;

use crate::context;

/// The token of the `mio::Waker` that other threads use to interrupt `epoll_wait`.
pub(crate) const WAKE_TOKEN: Token = Token(usize::MAX);

/// How many events one `epoll_wait` can return.
const EVENT_CAPACITY: usize = 1024;

/// A direction of readiness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Read,
    Write,
}

/// The readiness of one registered socket and the tasks parked on it.
///
/// # Invariants
/// - Its index in the slab is its mio `Token`. Indexes are freed only by `deregister`,
///   which runs inside a task, never during `dispatch`: every event names a live slot.
/// - A task that returned `Pending` because of this socket has its waker here.
/// - "Closed" is sticky: after a hang-up or error the kernel sends no further edge, and
///   every later syscall returns at once (0 bytes, or the error), so a closed direction
///   stays ready even when a short read clears `readable`.
#[derive(Default)]
struct IoSlot {
    reader: Option<Waker>,
    writer: Option<Waker>,
    readable: bool,
    writable: bool,
    read_closed: bool,
    write_closed: bool,
}

impl IoSlot {
    fn is_ready(&self, direction: Direction) -> bool {
        match direction {
            Direction::Read => self.readable || self.read_closed,
            Direction::Write => self.writable || self.write_closed,
        }
    }

    fn waiter(&mut self, direction: Direction) -> &mut Option<Waker> {
        match direction {
            Direction::Read => &mut self.reader,
            Direction::Write => &mut self.writer,
        }
    }
}

/// `mio::Poll` and the slots of every registered socket.
pub(crate) struct Reactor {
    poll: RefCell<mio::Poll>,
    events: RefCell<Events>,
    slots: RefCell<Slab<IoSlot>>,
    /// Reused by `dispatch` so waking allocates nothing.
    to_wake: RefCell<Vec<Waker>>,
}

impl Reactor {
    /// A reactor and the waker other threads use to interrupt its `poll`.
    pub(crate) fn new() -> io::Result<(Reactor, mio::Waker)> {
        let poll = mio::Poll::new()?;
        let poll_waker = mio::Waker::new(poll.registry(), WAKE_TOKEN)?;
        let reactor = Reactor {
            poll: RefCell::new(poll),
            events: RefCell::new(Events::with_capacity(EVENT_CAPACITY)),
            slots: RefCell::new(Slab::new()),
            to_wake: RefCell::new(Vec::new()),
        };
        Ok((reactor, poll_waker))
    }

    /// Blocks in `epoll_wait` for at most `timeout` (`None`: until an event). Returns
    /// whether any event arrived.
    pub(crate) fn poll(&self, timeout: Option<Duration>) -> io::Result<bool> {
        let mut events = self.events.borrow_mut();
        match self.poll.borrow_mut().poll(&mut events, timeout) {
            Ok(()) => Ok(!events.is_empty()),
            // A signal interrupted the wait: report "something happened" so a paused
            // clock does not jump; the loop simply turns again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                events.clear();
                Ok(true)
            }
            Err(e) => Err(e),
        }
    }

    /// Marks the slots named by the last `poll` as ready and wakes their tasks.
    pub(crate) fn dispatch(&self) {
        let mut to_wake = self.to_wake.take();
        {
            let events = self.events.borrow();
            let mut slots = self.slots.borrow_mut();
            for event in events.iter() {
                // INVARIANT (IoSlot): no deregistration since `poll`, so the slot is live;
                // `get_mut` only skips the waker's token.
                let Some(slot) = slots.get_mut(event.token().0) else {
                    continue;
                };
                // An error ends a wait in both directions: the syscall will now report it
                // instead of blocking.
                let failed = event.is_error();
                slot.read_closed |= failed || event.is_read_closed();
                slot.write_closed |= failed || event.is_write_closed();
                if event.is_readable() || slot.read_closed {
                    slot.readable = true;
                    to_wake.extend(slot.reader.take());
                }
                if event.is_writable() || slot.write_closed {
                    slot.writable = true;
                    to_wake.extend(slot.writer.take());
                }
            }
        }
        // Woken after the borrows end: a waker may run arbitrary code.
        for waker in to_wake.drain(..) {
            waker.wake();
        }
        *self.to_wake.borrow_mut() = to_wake;
    }

    /// How many sockets are registered.
    pub(crate) fn live_sources(&self) -> usize {
        self.slots.borrow().len()
    }

    fn register(&self, source: &mut impl Source) -> io::Result<Token> {
        let mut slots = self.slots.borrow_mut();
        let entry = slots.vacant_entry();
        let token = Token(entry.key());
        self.poll.borrow().registry().register(
            source,
            token,
            Interest::READABLE | Interest::WRITABLE,
        )?;
        // Until the first event we do not know: assume ready and let the syscall tell.
        entry.insert(IoSlot {
            readable: true,
            writable: true,
            ..IoSlot::default()
        });
        Ok(token)
    }

    fn deregister(&self, source: &mut impl Source, token: Token) {
        // Failure here means the fd is already gone from the epoll set: nothing to undo.
        let _ = self.poll.borrow().registry().deregister(source);
        let slot = self.slots.borrow_mut().try_remove(token.0);
        drop(slot); // its wakers' drops run outside the borrow
    }

    /// Returns `true` if the direction is ready; otherwise parks `cx`'s waker and returns
    /// `false`.
    fn ready_or_park(&self, token: Token, direction: Direction, cx: &mut Context<'_>) -> bool {
        let mut slots = self.slots.borrow_mut();
        let slot = &mut slots[token.0];
        if slot.is_ready(direction) {
            return true;
        }
        let waiter = slot.waiter(direction);
        match waiter {
            Some(waker) if waker.will_wake(cx.waker()) => {}
            _ => *waiter = Some(cx.waker().clone()),
        }
        false
    }

    fn clear_ready(&self, token: Token, direction: Direction) {
        let mut slots = self.slots.borrow_mut();
        let slot = &mut slots[token.0];
        match direction {
            Direction::Read => slot.readable = false,
            Direction::Write => slot.writable = false,
        }
    }
}

/// A mio socket registered with the current runtime's reactor; deregistered on drop.
///
/// [`IoSource::poll_io`] is the one place the "try, and park only after `WouldBlock`"
/// rule is written down; every socket operation in `net/` goes through it.
pub(crate) struct IoSource<S: Source> {
    source: S,
    token: Token,
    reactor: Rc<Reactor>,
}

impl<S: Source> IoSource<S> {
    /// Registers `source` with the current runtime; an error outside a runtime.
    pub(crate) fn new(mut source: S) -> io::Result<Self> {
        let reactor = match context::try_current() {
            Some(event_loop) => Rc::clone(&event_loop.reactor),
            None => {
                return Err(io::Error::other(
                    "a ripple socket must be created inside a ripple runtime",
                ));
            }
        };
        let token = reactor.register(&mut source)?;
        Ok(IoSource {
            source,
            token,
            reactor,
        })
    }

    pub(crate) fn get_ref(&self) -> &S {
        &self.source
    }

    /// Runs `operation` (a non-blocking syscall) until it stops saying `WouldBlock`,
    /// parking the task until the next readiness event in between.
    pub(crate) fn poll_io<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut operation: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        loop {
            if !self.reactor.ready_or_park(self.token, direction, cx) {
                return Poll::Pending;
            }
            match operation(&self.source) {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // INVARIANT (IoSlot): clear, then loop to park before returning
                    // Pending. One thread runs both this syscall and `epoll_wait`, so no
                    // event can slip in between: the edge that ends our wait is ahead.
                    self.reactor.clear_ready(self.token, direction);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                result => return Poll::Ready(result),
            }
        }
    }

    /// Waits until the direction is reported ready (used by `connect`).
    pub(crate) fn poll_ready(&self, direction: Direction, cx: &mut Context<'_>) -> Poll<()> {
        if self.reactor.ready_or_park(self.token, direction, cx) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Whether the direction is marked ready (an event arrived, or nothing has said
    /// `WouldBlock` since registration), without parking anything.
    pub(crate) fn is_ready(&self, direction: Direction) -> bool {
        self.reactor.slots.borrow()[self.token.0].is_ready(direction)
    }

    /// Forgets readiness the caller knows to be used up, such as after a short read: the
    /// next attempt parks at once instead of making a syscall that would say `WouldBlock`.
    pub(crate) fn clear_ready(&self, direction: Direction) {
        self.reactor.clear_ready(self.token, direction);
    }
}

impl<S: Source> Drop for IoSource<S> {
    fn drop(&mut self) {
        self.reactor.deregister(&mut self.source, self.token);
    }
}
