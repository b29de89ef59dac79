//! The list mode: many URLs, `-c` at a time, a line each as it completes, and a summary.
//!
//! `-c` workers run at once (started and awaited with [`gather()`]). Each takes the next URL
//! of the list, sends the request, reads the body to its end (counting it, or saving it
//! under `--out-dir`), hands the [`Report`] to `output.rs`, and takes the next URL, until
//! none is left. A failure is a report like any other, never a panic or an early exit.
//!
//! Why workers, and not one task per URL handed to `as_completed`? Measured with 10,000
//! URLs of `/` and `-c 64`: a task waiting for its turn costs about 2 KB (its future, the
//! executor's slot, the combinator's waker), and that version peaked at 27 MB where curl
//! needs 14 MB; with workers only `-c` requests exist at once, whatever the length of the
//! list, and the peak is 12 MB. And a request's `total` timeout includes its wait for a
//! pool slot (`ClientTimeout`), so with 10,000 requests queued on 64 connections the last
//! ones would time out before reaching the server; a worker starts a request, and its
//! clock, only when a connection can be free for it.
//!
//! `--deadline` is one instant for the whole run. A worker races each request against it
//! (`timeout_at`): when it passes, the request is dropped, which closes its connection and
//! removes its half-written file, and the URL is reported `cancelled` ("while it ran").
//! No worker takes a URL after it; those left are reported `cancelled` ("before it
//! started") at the end.
//!
//! Path: `main.rs` -> [`run`] -> `ripple_http::RequestBuilder::send`, `Response::chunk`
//! -> `output.rs` (`report.rs`, `summary.rs`, `progress.rs`).

use std::cell::{Cell, RefCell};
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use ripple_combinators::gather;
use ripple_http::Session;
use ripple_reactor::time::{now, timeout_at};

use crate::names::FileNames;
use crate::output::Output;
use crate::report::{Failure, Outcome, Report, format_duration};
use crate::request::RequestSpec;
use crate::save::PartialFile;

/// How the list is run and shown.
pub struct Options {
    pub json: bool,
    pub out_dir: Option<PathBuf>,
    pub ordered: bool,
    pub quiet: bool,
    /// `--fail`.
    pub fail: bool,
    pub concurrency: usize,
    pub deadline: Option<Duration>,
}

/// One URL, taken by a worker.
struct Job {
    index: usize,
    url: String,
    /// Where to save the body (`--out-dir`).
    file: Option<PathBuf>,
}

/// What the workers share: the list and how far it has been taken, the session, the
/// request, and the output.
struct Run {
    session: Session,
    request: RequestSpec,
    urls: Vec<String>,
    /// The index of the next URL to take.
    next: Cell<usize>,
    out_dir: Option<PathBuf>,
    names: RefCell<FileNames>,
    /// `--deadline`, as an instant, with its length for the message.
    deadline: Option<(Instant, Duration)>,
    output: RefCell<Output>,
}

/// Fetches `urls`; prints a line per URL on stdout and the summary on stderr. Returns
/// whether every request succeeded, or the error of writing to stdout.
pub async fn run(
    session: Session,
    request: RequestSpec,
    urls: Vec<String>,
    options: Options,
) -> io::Result<bool> {
    let started = now();
    let workers = options.concurrency.min(urls.len());
    let output = Output::new(
        urls.len(),
        options.json,
        options.ordered,
        options.quiet,
        options.fail,
    );
    let run = Rc::new(Run {
        session,
        request,
        urls,
        next: Cell::new(0),
        out_dir: options.out_dir,
        names: RefCell::default(),
        deadline: options.deadline.map(|after| (started + after, after)),
        output: RefCell::new(output),
    });

    gather((0..workers).map(|_| Rc::clone(&run).work())).await;

    if let Some((_, after)) = run.deadline.filter(|_| !run.output.borrow().is_broken()) {
        while let Some(job) = run.take_job() {
            let report = cancelled(job, Duration::ZERO, after, "before it started");
            run.output.borrow_mut().deliver(report);
        }
    }
    let stats = run.session.stats();
    run.output
        .borrow_mut()
        .finish(now() - started, stats.opened, stats.reused)
}

impl Run {
    /// One worker: take the next URL, fetch it, report it, until the list (or the time,
    /// or stdout) runs out.
    async fn work(self: Rc<Self>) {
        loop {
            let past_deadline = self.deadline.is_some_and(|(deadline, _)| now() >= deadline);
            if past_deadline || self.output.borrow().is_broken() {
                return;
            }
            let Some(job) = self.take_job() else { return };
            let report = self.fetch(job).await;
            self.output.borrow_mut().deliver(report);
        }
    }

    /// The next URL of the list, with its file name; names are given in input order, as
    /// URLs are taken in input order.
    fn take_job(&self) -> Option<Job> {
        let index = self.next.get();
        let url = self.urls.get(index)?.clone();
        self.next.set(index + 1);
        let file = self
            .out_dir
            .as_ref()
            .map(|dir| dir.join(self.names.borrow_mut().name_for(&url)));
        Some(Job { index, url, file })
    }

    /// One URL, start to end, under the deadline.
    async fn fetch(&self, job: Job) -> Report {
        let started = now();
        let outcome = match self.deadline {
            None => self.exchange(&job).await,
            Some((deadline, after)) => match timeout_at(deadline, self.exchange(&job)).await {
                Ok(outcome) => outcome,
                Err(_) => return cancelled(job, now() - started, after, "while it ran"),
            },
        };
        Report {
            index: job.index,
            url: job.url,
            time: now() - started,
            outcome,
        }
    }

    async fn exchange(&self, job: &Job) -> Outcome {
        match self.try_exchange(job).await {
            Ok(outcome) => outcome,
            Err(failure) => Outcome::Failed(failure),
        }
    }

    /// Sends the request and reads the body to its end, saving it if asked.
    async fn try_exchange(&self, job: &Job) -> Result<Outcome, Failure> {
        let mut response = self.request.build(&self.session, &job.url).send().await?;
        let status = response.status();
        // With --fail an error page is read (so the connection can be reused), not saved.
        let fail = self.output.borrow().fails_on_status(status);
        let mut file = match job.file.as_deref().filter(|_| !fail) {
            Some(path) => Some(PartialFile::create(path).map_err(|e| write_failure(path, e))?),
            None => None,
        };
        let mut bytes = 0;
        while let Some(piece) = response.chunk().await? {
            bytes += piece.len() as u64;
            if let Some(file) = &mut file {
                file.write(&piece)
                    .map_err(|e| write_failure(file.target(), e))?;
            }
        }
        let saved = match file {
            Some(file) => {
                let path = file.target().to_owned();
                file.commit().map_err(|e| write_failure(&path, e))?;
                Some(path)
            }
            None => None,
        };
        Ok(Outcome::Response {
            status,
            bytes,
            file: saved,
        })
    }
}

/// The report of a URL the deadline stopped.
fn cancelled(job: Job, time: Duration, after: Duration, when: &str) -> Report {
    let message = format!("the --deadline of {} passed {when}", format_duration(after));
    Report {
        index: job.index,
        url: job.url,
        time,
        outcome: Outcome::Failed(Failure::new("cancelled", message)),
    }
}

fn write_failure(path: &Path, error: io::Error) -> Failure {
    Failure::new("write", format!("cannot write {}: {error}", path.display()))
}
