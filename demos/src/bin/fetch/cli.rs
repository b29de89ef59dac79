//! The command line of `fetch`: every flag, its default, and its help text, for clap.
//!
//! The flags are curl's where curl has one (`-o`, `-I`, `-X`, `-H`, `-d`, `-i`, `-L`,
//! `-k`, `--fail`, `--connect-timeout`), so that a curl user can guess them; the flags for
//! many URLs (`-f`, `--json`, `--out-dir`, `--ordered`, `-c`, `--per-host`, `--deadline`)
//! are the ones such tools usually have. clap turns a bad flag or value into a message
//! and exit code 2; the checks that need more than one flag are in `setup.rs`.
//!
//! Path: `main.rs` parses these -> `setup.rs` turns them into a plan.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

/// Fetches URLs over HTTP/1.1 with ripple: one like curl, or thousands at once.
#[derive(Parser, Debug)]
#[command(
    name = "fetch",
    version,
    after_help = "\
With one URL, the body goes to stdout (or to -o FILE), as with curl. With several URLs, \
or -f, --json, --out-dir or --ordered, each URL gets one line as it completes: the status \
(or the error kind), the bytes, the time and the URL; a summary follows on stderr.

Exit codes: 0 every request succeeded (any HTTP status counts, unless --fail); \
1 at least one failed; 2 usage error (bad flag, invalid URL on the command line)."
)]
pub struct Args {
    /// The URLs to fetch.
    #[arg(value_name = "URL")]
    pub urls: Vec<String>,

    /// Also fetch the URLs in FILE, one per line ('-' reads stdin); blank lines and
    /// lines starting with '#' are skipped.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<String>,

    #[command(flatten, next_help_heading = "One URL")]
    pub one: OneUrlArgs,

    #[command(flatten, next_help_heading = "Request")]
    pub request: RequestArgs,

    #[command(flatten, next_help_heading = "Many URLs")]
    pub list: ListArgs,

    #[command(flatten, next_help_heading = "Limits and timeouts")]
    pub limits: LimitArgs,

    #[command(flatten, next_help_heading = "TLS")]
    pub tls: TlsArgs,
}

/// Flags for one URL, like curl.
#[derive(clap::Args, Debug)]
pub struct OneUrlArgs {
    /// Write the body to FILE instead of stdout (whole or not at all).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print the status line and headers before the body.
    #[arg(short = 'i', long = "include")]
    pub include: bool,
}

/// What is sent, to every URL.
#[derive(clap::Args, Debug)]
pub struct RequestArgs {
    /// Send HEAD, and print the status line and headers.
    #[arg(short = 'I', long = "head", conflicts_with_all = ["method", "data", "data_file"])]
    pub head: bool,

    /// The request method (default GET, or POST with -d).
    #[arg(short = 'X', long = "request", value_name = "METHOD")]
    pub method: Option<String>,

    /// A request header, 'Name: value'; repeat for more.
    #[arg(short = 'H', long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,

    /// The request body.
    #[arg(
        short = 'd',
        long = "data",
        value_name = "BODY",
        conflicts_with = "data_file"
    )]
    pub data: Option<String>,

    /// The request body, read from FILE.
    #[arg(long = "data-file", value_name = "FILE")]
    pub data_file: Option<PathBuf>,

    /// Follow up to N redirects; 0 returns a 3xx as it is.
    #[arg(
        short = 'L',
        long = "max-redirects",
        value_name = "N",
        default_value_t = 10
    )]
    pub max_redirects: usize,

    /// Treat a 4xx or 5xx status as a failure (as curl's --fail).
    #[arg(long)]
    pub fail: bool,
}

/// How the lines of many URLs are shown.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// One JSON object per URL instead of a text line.
    #[arg(long)]
    pub json: bool,

    /// Save each body in DIR, under a file name made from its URL.
    #[arg(long = "out-dir", value_name = "DIR")]
    pub out_dir: Option<PathBuf>,

    /// Print the lines in input order (default: each as its URL completes).
    #[arg(long)]
    pub ordered: bool,

    /// No progress bar and no summary.
    #[arg(short = 'q', long)]
    pub quiet: bool,
}

/// How much at once, and for how long.
#[derive(clap::Args, Debug)]
pub struct LimitArgs {
    /// The most requests (and connections) at once.
    #[arg(short = 'c', long, value_name = "N", default_value_t = 100, value_parser = at_least_one)]
    pub concurrency: usize,

    /// The most connections at once to one host.
    #[arg(long = "per-host", value_name = "N", value_parser = at_least_one)]
    pub per_host: Option<usize>,

    /// The longest one request may take, from its start to its last byte; 0: no limit.
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = seconds)]
    pub timeout: Duration,

    /// The longest DNS + TCP + TLS of a new connection may take.
    #[arg(long = "connect-timeout", value_name = "SECS", value_parser = seconds)]
    pub connect_timeout: Option<Duration>,

    /// The longest wait for any bytes from the server.
    #[arg(long = "read-timeout", value_name = "SECS", value_parser = seconds)]
    pub read_timeout: Option<Duration>,

    /// The longest the whole run may take; what is still pending then is cancelled.
    #[arg(long, value_name = "SECS", value_parser = seconds)]
    pub deadline: Option<Duration>,
}

/// Which certificates are trusted.
#[derive(clap::Args, Debug)]
pub struct TlsArgs {
    /// Also trust the CA certificates in this PEM file.
    #[arg(long = "ca-file", value_name = "PEM")]
    pub ca_file: Option<PathBuf>,

    /// Do not check certificates at all (dangerous: anyone on the path can read and change
    /// the traffic).
    #[arg(short = 'k', long)]
    pub insecure: bool,
}

/// Parses a count that must be at least 1.
fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse() {
        Ok(0) => Err("must be at least 1".to_owned()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("{text:?} is not a number")),
    }
}

/// Parses a number of seconds such as `2` or `0.25`.
fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(value).map_err(|_| format!("{text:?} is not a duration"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_accept_fractions_and_refuse_the_rest() {
        assert_eq!(seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(seconds("3"), Ok(Duration::from_secs(3)));
        assert!(seconds("-1").is_err());
        assert!(seconds("soon").is_err());
        assert!(seconds("inf").is_err());
    }

    #[test]
    fn counts_start_at_one() {
        assert_eq!(at_least_one("64"), Ok(64));
        assert!(at_least_one("0").is_err() && at_least_one("-1").is_err());
    }

    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        Args::command().debug_assert();
    }
}
