//! The curl mode: one URL, its body byte for byte on stdout or in a file.
//!
//! The response head arrives first (`send()` returns with it); with `-i` or `-I` it is
//! printed as it came, status line and headers, CRLF-terminated as on the wire (and as
//! curl prints it). Then the body is copied piece by piece as `Response::chunk` hands it
//! over, so a 5 GB download needs no 5 GB of memory. With `-o FILE` the pieces go to a
//! [`PartialFile`]: the file appears whole when the last byte is in, and if anything fails
//! before, it does not appear at all.
//!
//! Path: `main.rs` -> [`run`] -> `ripple_http::RequestBuilder::send`, `Response::chunk`
//! -> stdout or `save.rs`.

use std::io::{self, Write};
use std::path::PathBuf;
use std::time::Duration;

use ripple_http::{Response, Session};
use ripple_reactor::time::timeout;

use crate::report::{Failure, format_duration};
use crate::request::RequestSpec;
use crate::save::PartialFile;

/// What the single mode needs besides the session and the request.
pub struct Options {
    /// `-o FILE`, or stdout.
    pub output: Option<PathBuf>,
    /// `-i` or `-I`.
    pub include_head: bool,
    /// `--fail`.
    pub fail: bool,
    /// `--deadline`.
    pub deadline: Option<Duration>,
}

/// Fetches `url` and writes what was asked for; the error is the one line to print.
pub async fn run(
    session: &Session,
    request: &RequestSpec,
    url: &str,
    options: &Options,
) -> Result<(), Failure> {
    let work = fetch(session, request, url, options);
    match options.deadline {
        None => work.await,
        Some(after) => timeout(after, work).await.unwrap_or_else(|_| {
            Err(Failure::new(
                "cancelled",
                format!("the --deadline of {} passed", format_duration(after)),
            ))
        }),
    }
}

async fn fetch(
    session: &Session,
    request: &RequestSpec,
    url: &str,
    options: &Options,
) -> Result<(), Failure> {
    let mut response = request.build(session, url).send().await?;
    if options.fail && response.status() >= 400 {
        return Err(Failure::new(
            "status",
            format!(
                "HTTP {} {} from {}",
                response.status(),
                response.reason(),
                response.url()
            ),
        ));
    }
    let mut out = Output::open(options.output.as_ref())?;
    if options.include_head {
        out.write(&head_bytes(&response))?;
    }
    while let Some(piece) = response.chunk().await? {
        out.write(&piece)?;
    }
    out.finish()
}

/// The status line and headers, as curl's `-i` prints them.
fn head_bytes(response: &Response) -> Vec<u8> {
    let mut head = format!(
        "{} {} {}\r\n",
        response.version(),
        response.status(),
        response.reason()
    )
    .into_bytes();
    for (name, value) in response.headers().iter() {
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    head
}

/// Where the bytes go.
enum Output {
    Stdout,
    File(PartialFile),
}

impl Output {
    fn open(path: Option<&PathBuf>) -> Result<Output, Failure> {
        match path {
            None => Ok(Output::Stdout),
            Some(path) => PartialFile::create(path)
                .map(Output::File)
                .map_err(|e| write_failure(&path.display().to_string(), e)),
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Failure> {
        match self {
            Output::Stdout => io::stdout()
                .write_all(bytes)
                .map_err(|e| write_failure("stdout", e)),
            Output::File(file) => file
                .write(bytes)
                .map_err(|e| write_failure(&file.target().display().to_string(), e)),
        }
    }

    /// Flushes stdout, or gives the file its name.
    fn finish(self) -> Result<(), Failure> {
        match self {
            Output::Stdout => io::stdout().flush().map_err(|e| write_failure("stdout", e)),
            Output::File(file) => {
                let name = file.target().display().to_string();
                file.commit().map_err(|e| write_failure(&name, e))
            }
        }
    }
}

fn write_failure(to: &str, error: io::Error) -> Failure {
    Failure::new("write", format!("cannot write to {to}: {error}"))
}
