//! From the command line to a [`Plan`]: which mode, which request, which session.
//!
//! Everything that can be wrong before the first request is found here and becomes a
//! [`UsageError`] (exit code 2): flags that do not go together, a URL on the command line
//! that does not parse, a file that cannot be read (`-f`, `--data-file`, `--ca-file`), a
//! bad `-H`. A URL read from a `-f` list is not checked here: like a dead host, it is that
//! URL's failure, reported on its line, and the others still run.
//!
//! The mode: one URL on the command line, and none of `-f`, `--json`, `--out-dir`,
//! `--ordered`, is curl's mode (`single.rs`); anything else is the list mode (`list.rs`).
//!
//! Path: `main.rs` -> here -> `single.rs` or `list.rs`.

use std::fmt;
use std::fs;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use ripple_http::tls::TlsConfig;
use ripple_http::{ClientTimeout, Session, Url};

use crate::cli::{Args, LimitArgs, RequestArgs, TlsArgs};
use crate::request::{RequestSpec, parse_header};

/// A mistake in how `fetch` was called; `main` prints it and exits with 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What to do, checked.
pub struct Plan {
    pub mode: Mode,
    pub request: RequestSpec,
    pub session: Session,
    /// `--deadline`: the longest the whole run may take.
    pub deadline: Option<Duration>,
    /// `--fail`: a 4xx or 5xx is a failure.
    pub fail: bool,
    /// `--insecure`: certificates are not checked, and the user must be told.
    pub insecure: bool,
}

/// One URL like curl, or a list.
pub enum Mode {
    One {
        url: String,
        /// `-o FILE`; `None` (or `-`) is stdout.
        output: Option<PathBuf>,
        /// `-i` or `-I`: the status line and headers go first.
        include_head: bool,
    },
    Many {
        urls: Vec<String>,
        json: bool,
        out_dir: Option<PathBuf>,
        ordered: bool,
        quiet: bool,
        /// `-c`: how many requests at once.
        concurrency: usize,
    },
}

/// Checks `args` and reads the files they name.
pub fn plan(args: Args) -> Result<Plan, UsageError> {
    for url in &args.urls {
        // The message names the URL: `invalid URL "htp://x": ...`.
        Url::parse(url).map_err(|error| UsageError(error.to_string()))?;
    }
    let mut urls = args.urls;
    if let Some(file) = &args.file {
        urls.extend(read_url_list(file)?);
    }
    let list = &args.list;
    let many = urls.len() != 1
        || args.file.is_some()
        || list.json
        || list.out_dir.is_some()
        || list.ordered;
    let mode = if many {
        if args.one.output.is_some() || args.one.include {
            return Err(UsageError(
                "-o and -i are for one URL; with several, use --out-dir DIR".into(),
            ));
        }
        if urls.is_empty() && args.file.is_none() {
            return Err(UsageError("no URL given (see fetch --help)".into()));
        }
        if let Some(dir) = &list.out_dir {
            fs::create_dir_all(dir)
                .map_err(|e| UsageError(format!("cannot create {}: {e}", dir.display())))?;
        }
        Mode::Many {
            urls,
            json: list.json,
            out_dir: list.out_dir.clone(),
            ordered: list.ordered,
            quiet: list.quiet,
            concurrency: args.limits.concurrency,
        }
    } else {
        Mode::One {
            url: urls.remove(0),
            output: args.one.output.filter(|path| path.as_os_str() != "-"),
            include_head: args.one.include || args.request.head,
        }
    };
    Ok(Plan {
        mode,
        request: request_spec(&args.request)?,
        session: session(&args.request, &args.limits, &args.tls)?,
        deadline: args.limits.deadline,
        fail: args.request.fail,
        insecure: args.tls.insecure,
    })
}

/// The URLs of a `-f` file (`-`: stdin): one per line, blank lines and `#` comments out.
fn read_url_list(file: &str) -> Result<Vec<String>, UsageError> {
    let text = if file == "-" {
        io::read_to_string(io::stdin())
    } else {
        fs::read_to_string(file)
    }
    .map_err(|e| UsageError(format!("cannot read the URL list {file}: {e}")))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect())
}

fn request_spec(args: &RequestArgs) -> Result<RequestSpec, UsageError> {
    let headers = args
        .headers
        .iter()
        .map(|header| parse_header(header).map_err(UsageError))
        .collect::<Result<Vec<_>, _>>()?;
    let body = match (&args.data, &args.data_file) {
        (Some(data), _) => Some(data.clone().into_bytes()),
        (None, Some(path)) => Some(
            fs::read(path)
                .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?,
        ),
        (None, None) => None,
    };
    Ok(RequestSpec::new(
        args.method.as_deref(),
        args.head,
        headers,
        body,
    ))
}

/// The session: limits, timeouts, redirects, TLS roots.
fn session(
    request: &RequestArgs,
    limits: &LimitArgs,
    tls: &TlsArgs,
) -> Result<Session, UsageError> {
    // 0 means "no limit" for every timeout, as for curl's.
    let limit = |timeout: Option<Duration>| timeout.filter(|t| !t.is_zero());
    let mut builder = Session::builder()
        .limit(limits.concurrency)
        .max_redirects(request.max_redirects)
        .timeout(ClientTimeout {
            total: limit(Some(limits.timeout)),
            connect: limit(limits.connect_timeout),
            sock_read: limit(limits.read_timeout),
        })
        .tls(TlsConfig::default().danger_accept_invalid_certificates(tls.insecure));
    if let Some(per_host) = limits.per_host {
        builder = builder.limit_per_host(per_host);
    }
    if let Some(path) = &tls.ca_file {
        let pem = fs::read(path)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
        // After `tls(..)`: it adds to the config that call set.
        builder = builder.root_certificates_pem(&pem).map_err(|e| {
            // The client wraps the PEM's problem in a TLS error; its source says it.
            let why = std::error::Error::source(&e).map_or(e.to_string(), |s| s.to_string());
            UsageError(format!("--ca-file {}: {why}", path.display()))
        })?;
    }
    Ok(builder.build())
}
