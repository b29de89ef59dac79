//! `gather!`: a fixed handful of futures with different output types, joined into a tuple.
//!
//! [`gather`](crate::gather()) needs one output type for all its inputs. A program that
//! fetches a page, a count and a flag at once wants `(Page, u64, bool)` instead, which
//! only a macro can spell for any number of inputs. `gather!(a, b, c)` is a future that,
//! when first polled, spawns `a`, `b` and `c` as tasks, each inside a [`SpawnGuard`], and
//! then awaits the guards in order. Awaiting in order costs nothing here: all three
//! already run, so the tuple is ready when the slowest is, exactly as with `gather`.
//!
//! How the macro reaches the i-th guard without counting: it pairs each input with a
//! list of `_` as long as its position, and destructures the tuple of guards with
//! `let (_, _, guard, ..) = &mut guards;` (the trick `tokio::join!` uses).
//!
//! Rules, as for `gather`: a task that panics or is cancelled makes the gatherer panic;
//! dropping the future half-way cancels the tasks still running (each guard does it).
//!
//! Path: user code -> `gather!` -> [`SpawnGuard`] -> `ripple_reactor::spawn`.

use std::future::Future;

use ripple_reactor::{JoinHandle, spawn};

/// Runs a fixed set of futures concurrently, each as a task, and returns their values as
/// a tuple in argument order: `let (page, count) = gather!(fetch(url), count(db)).await;`.
///
/// The futures may have different output types; each must be `'static`, as for
/// [`spawn`](ripple_reactor::spawn). The argument expressions are evaluated where the
/// macro is; the futures they make are spawned at the first poll, as with
/// [`gather()`](crate::gather()). The tuple comes once all are done; one argument gives a
/// 1-tuple.
///
/// # Differences from asyncio
/// Dropping the returned future before it is done cancels the tasks still running. A
/// task that panics makes the awaiting code panic.
///
/// # Panics
/// When polled outside a ripple runtime, and when a task ends without a value.
#[macro_export]
macro_rules! gather {
    // Step 1, once per input: note the input with as many `_` as inputs before it.
    (@pair { ( $($count:tt)* ) $( ( $($skip:tt)* ) $done:expr, )* }
        $head:expr, $($rest:expr,)*
    ) => {
        $crate::gather!(@pair
            { ( $($count)* _ ) $( ( $($skip)* ) $done, )* ( $($count)* ) $head, }
            $($rest,)*
        )
    };
    // Step 2: make the futures now; at the first poll spawn them all, then await the
    // guards one by one. Each `let` moves one field out of the tuple.
    (@pair { ( $($count:tt)* ) $( ( $($skip:tt)* ) $fut:expr, )* }) => {{
        let futures = ( $( $fut, )* );
        async move {
            let mut guards = ( $( {
                let ( $($skip,)* future, .. ) = futures;
                $crate::__private::SpawnGuard::spawn(future)
            }, )* );
            ( $( {
                let ( $($skip,)* guard, .. ) = &mut guards;
                guard.join().await
            }, )* )
        }
    }};
    ( $($fut:expr),+ $(,)? ) => {
        $crate::gather!(@pair { () } $($fut,)+)
    };
}

/// A spawned task that is cancelled if it is dropped before its value was taken.
///
/// Public only for the expansion of [`gather!`]; not part of the API.
pub struct SpawnGuard<T> {
    handle: Option<JoinHandle<T>>,
}

impl<T: 'static> SpawnGuard<T> {
    /// Spawns `future` as a task on the current runtime.
    ///
    /// # Panics
    /// Outside a ripple runtime.
    pub fn spawn<F: Future<Output = T> + 'static>(future: F) -> Self {
        SpawnGuard {
            handle: Some(spawn(future)),
        }
    }

    /// Waits for the task's value.
    ///
    /// # Panics
    /// If the task panicked or was cancelled, or if the value was already taken.
    pub async fn join(&mut self) -> T {
        let Some(handle) = self.handle.as_mut() else {
            panic!("gather!: a task's value was taken twice");
        };
        let outcome = handle.await;
        self.handle = None;
        match outcome {
            Ok(value) => value,
            Err(error) => panic!("gather!: a task ended without a value: {error}"),
        }
    }
}

impl<T> Drop for SpawnGuard<T> {
    fn drop(&mut self) {
        if let Some(handle) = &self.handle {
            handle.cancel();
        }
    }
}
