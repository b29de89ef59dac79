//! The `fetch` binary, run as a process against the example server on 127.0.0.1.
//!
//! Each test starts its own server (so its connection counters are its own) on a thread
//! with its own ripple runtime, and runs `fetch` as a child process, the way a user does:
//! arguments in, stdout, stderr and the exit code out. These are black-box tests of a
//! program against a real clock, so they assert outcomes, and time only as generous upper
//! bounds ("a timeout of 1 s ends the run within 6 s"); the timing logic itself is tested
//! on the paused clock in ripple-http.
//!
//! Path: `CARGO_BIN_EXE_fetch` (demos/src/bin/fetch) -> `ripple_http::server` routes.

use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use ripple_http::server::page::PAGE;
use ripple_http::server::{Server, pattern};
use ripple_http::tls::TlsAcceptor;
use ripple_reactor::Runtime;

const FETCH: &str = env!("CARGO_BIN_EXE_fetch");

/// A room for slow machines on top of any time limit a test sets.
const MARGIN: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------
// Helpers: servers, running fetch, scratch directories.

/// Starts the example server on its own thread and runtime; it runs until the test
/// process ends. With `tls`, a (certificate chain, key) in PEM, it serves https.
fn start_server(tls: Option<(String, String)>) -> SocketAddr {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = Runtime::new().expect("runtime");
        runtime.block_on(async move {
            let address: SocketAddr = "127.0.0.1:0".parse().unwrap();
            let server = match tls {
                None => Server::bind(address),
                Some((chain, key)) => {
                    let acceptor = TlsAcceptor::from_pem(chain.as_bytes(), key.as_bytes())
                        .expect("certificate and key");
                    Server::bind_tls(address, acceptor)
                }
            }
            .expect("bind");
            tx.send(server.local_addr()).unwrap();
            server.run().await;
        });
    });
    rx.recv().expect("the server's address")
}

fn server() -> String {
    format!("http://{}", start_server(None))
}

/// Runs fetch with `args`, stdin empty; waits for it.
fn fetch(args: &[&str]) -> Output {
    fetch_with_stdin(args, "")
}

fn fetch_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(FETCH)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fetch");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().expect("fetch ends")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("fetch exited, not killed")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("utf-8 stderr")
}

/// The server's counters, read from its `/stats` route with a plain socket.
fn server_stats(base: &str) -> BTreeMap<String, u64> {
    let address = base.trim_start_matches("http://");
    let mut socket = TcpStream::connect(address).unwrap();
    write!(
        socket,
        "GET /stats HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    socket.read_to_string(&mut answer).unwrap();
    let body = answer.split_once("\r\n\r\n").expect("a head").1;
    body.lines()
        .filter_map(|line| line.split_once(' '))
        .map(|(name, value)| (name.to_owned(), value.parse().unwrap()))
        .collect()
}

/// An empty directory of this test's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fetch-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// An address nothing listens on: bound, then closed.
fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{address}/")
}

/// The URL field (the 4th) of each text line.
fn urls_of(text: &str) -> Vec<String> {
    text.lines()
        .map(|line| {
            line.split_whitespace()
                .nth(3)
                .expect("a URL field")
                .to_owned()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// One URL, like curl.

#[test]
fn single_url_body_is_byte_exact_on_stdout() {
    let base = server();
    let page = fetch(&[&format!("{base}/")]);
    assert_eq!(code(&page), 0, "{}", stderr(&page));
    assert_eq!(page.stdout, PAGE.as_bytes());
    assert!(page.stderr.is_empty(), "{}", stderr(&page));

    let bytes = fetch(&[&format!("{base}/bytes/300000")]);
    assert_eq!(code(&bytes), 0);
    assert!(
        bytes.stdout == pattern(300_000),
        "the pattern, byte for byte"
    );
}

#[test]
fn output_file_is_byte_exact_for_a_large_body() {
    let base = server();
    let dir = scratch("large");
    let file = dir.join("big.bin");
    let run = fetch(&[
        "-o",
        file.to_str().unwrap(),
        &format!("{base}/bytes/5000000"),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert!(run.stdout.is_empty());
    assert!(
        std::fs::read(&file).unwrap() == pattern(5_000_000),
        "5 MB, byte for byte"
    );
    assert_eq!(entries(&dir), ["big.bin"], "no temporary file left");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn output_file_is_byte_exact_for_a_chunked_body() {
    let base = server();
    let dir = scratch("chunked");
    let file = dir.join("chunked.bin");
    let run = fetch(&[
        "-o",
        file.to_str().unwrap(),
        &format!("{base}/chunked/300000"),
    ]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert!(std::fs::read(&file).unwrap() == pattern(300_000));
    assert_eq!(entries(&dir), ["chunked.bin"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_failed_download_leaves_no_file_behind() {
    let base = server();
    let dir = scratch("partial");
    let file = dir.join("partial.bin");
    let run = fetch(&[
        "-o",
        file.to_str().unwrap(),
        &format!("{base}/fault/close-mid-body"),
    ]);
    assert_eq!(code(&run), 1);
    assert!(stderr(&run).starts_with("fetch: server_disconnected: "));
    assert!(entries(&dir).is_empty(), "{:?}", entries(&dir));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn include_prints_the_status_line_and_headers_before_the_body() {
    let base = server();
    let run = fetch(&["-i", &format!("{base}/")]);
    assert_eq!(code(&run), 0);
    let text = stdout(&run);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("a blank line after the head");
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("\r\nContent-Length: 1256"), "{head}");
    assert!(head.contains("\r\nContent-Type: text/html"), "{head}");
    assert_eq!(body, PAGE);
}

#[test]
fn head_sends_head_and_prints_only_the_head() {
    let base = server();
    let run = fetch(&["-I", &format!("{base}/")]);
    assert_eq!(code(&run), 0);
    let text = stdout(&run);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("\r\nContent-Length: 1256\r\n"), "{text}");
    assert!(
        text.ends_with("\r\n\r\n"),
        "nothing after the head: {text:?}"
    );

    // The server saw a HEAD.
    let echo = fetch(&["-I", &format!("{base}/echo")]);
    assert!(stdout(&echo).contains("X-Echo-Method: HEAD\r\n"));
}

#[test]
fn post_with_data_is_echoed_back() {
    let base = server();
    let echo = format!("{base}/echo");
    let run = fetch(&["-d", "name=ripple&n=1", "-H", "X-Test: yes", &echo]);
    assert_eq!(code(&run), 0, "{}", stderr(&run));
    assert_eq!(stdout(&run), "name=ripple&n=1");

    let run = fetch(&["-i", "-X", "PUT", "-d", "x", "-H", "X-Test: yes", &echo]);
    let text = stdout(&run);
    assert!(text.contains("X-Echo-Method: PUT\r\n"), "{text}");
    assert!(text.contains("X-Echo-X-Test: yes\r\n"), "{text}");

    let dir = scratch("data-file");
    let body = dir.join("body.bin");
    std::fs::write(&body, b"\x00binary\xffbody").unwrap();
    let run = fetch(&["--data-file", body.to_str().unwrap(), &echo]);
    assert_eq!(run.stdout, b"\x00binary\xffbody");
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------------------
// Many URLs.

#[test]
fn a_thousand_urls_with_c_50_are_each_reported_once_over_at_most_50_connections() {
    let base = server();
    let dir = scratch("thousand");
    let list = dir.join("urls.txt");
    let mut text = String::from("# a thousand URLs\n\n");
    let mut expected = BTreeMap::new();
    for i in 0..1000 {
        let (path, status) = match i % 10 {
            0 => ("/status/404", "404"),
            1 => ("/status/503", "503"),
            _ => ("/delay/20", "200"),
        };
        let url = format!("{base}{path}?n={i}");
        text.push_str(&url);
        text.push_str(if i % 100 == 0 {
            "\n\n# a comment\n"
        } else {
            "\n"
        });
        expected.insert(url, status);
    }
    std::fs::write(&list, text).unwrap();

    let run = fetch(&["-f", list.to_str().unwrap(), "-c", "50"]);
    assert_eq!(code(&run), 0, "any status succeeds without --fail");
    let out = stdout(&run);
    let mut seen = HashSet::new();
    for line in out.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let url = fields[3];
        assert!(seen.insert(url.to_owned()), "{url} reported twice");
        assert_eq!(fields[0], expected[url], "{line}");
    }
    assert_eq!(seen.len(), 1000, "every URL reported");

    let stats = server_stats(&base);
    let most = stats["max_open_connections"];
    // The /stats connection itself is one of them.
    assert!(
        most <= 50 + 1,
        "at most 50 client connections at once, saw {most}"
    );
    assert!(most > 1, "the requests did run concurrently");

    let summary = stderr(&run);
    assert!(summary.contains("fetch: 1000 URLs in "), "{summary}");
    assert!(
        summary.contains(": 1000 succeeded, 0 failed\n"),
        "{summary}"
    );
    assert!(
        summary.contains("  status       2xx 800  4xx 100  5xx 100\n"),
        "{summary}"
    );
    assert!(summary.contains("  errors       none\n"), "{summary}");
    assert!(summary.contains("  latency      p50 "), "{summary}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn fail_makes_4xx_and_5xx_failures() {
    let base = server();
    let urls = format!("{base}/\n{base}/status/404\n{base}/status/500\n");
    let run = fetch_with_stdin(&["-f", "-", "--fail"], &urls);
    assert_eq!(code(&run), 1);
    assert!(
        stderr(&run).contains(": 1 succeeded, 2 failed\n"),
        "{}",
        stderr(&run)
    );

    let single = fetch(&["--fail", &format!("{base}/status/404")]);
    assert_eq!(code(&single), 1);
    assert!(single.stdout.is_empty());
    assert_eq!(stderr(&single).lines().count(), 1);
    assert!(
        stderr(&single).starts_with("fetch: status: HTTP 404 "),
        "{}",
        stderr(&single)
    );
}

#[test]
fn ordered_prints_in_input_order_and_the_default_in_completion_order() {
    let base = server();
    let urls: Vec<String> = [300, 200, 100, 0]
        .iter()
        .map(|ms| format!("{base}/delay/{ms}"))
        .collect();
    let args: Vec<&str> = urls.iter().map(String::as_str).collect();

    let ordered = fetch(&[&["--ordered"], &args[..]].concat());
    assert_eq!(code(&ordered), 0);
    assert_eq!(urls_of(&stdout(&ordered)), urls);

    let completed = fetch(&args);
    assert_eq!(code(&completed), 0);
    let order = urls_of(&stdout(&completed));
    assert_eq!(order.len(), 4);
    assert_eq!(order[0], urls[3], "the 0 ms one finishes first");
}

#[test]
fn json_lines_parse_and_carry_every_field() {
    let base = server();
    let refused = refused_url();
    let run = fetch(&[
        "--json",
        &format!("{base}/"),
        &format!("{base}/status/404"),
        &refused,
    ]);
    assert_eq!(code(&run), 1, "the refused connection fails the run");
    let mut lines: Vec<serde_json::Value> = stdout(&run)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    lines.sort_by_key(|line| line["index"].as_u64().unwrap());
    assert_eq!(lines.len(), 3);

    assert_eq!(lines[0]["url"], format!("{base}/"));
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["bytes"], 1256);
    assert!(lines[0]["seconds"].as_f64().unwrap() >= 0.0);

    assert_eq!(lines[1]["status"], 404);
    assert_eq!(lines[1]["ok"], true);

    assert_eq!(lines[2]["url"], refused);
    assert_eq!(lines[2]["ok"], false);
    assert_eq!(lines[2]["error"], "connect");
    assert!(lines[2]["message"].as_str().unwrap().contains("refused"));
}

#[test]
fn out_dir_saves_each_body_under_a_safe_unique_name() {
    let base = server();
    let host = base.trim_start_matches("http://").replace(':', "_");
    let dir = scratch("out-dir");
    let run = fetch(&[
        "--out-dir",
        dir.to_str().unwrap(),
        &format!("{base}/bytes/1000"),
        &format!("{base}/bytes/1000?"),
        &format!("{base}/chunked/2000"),
        &format!("{base}/../../etc/passwd"),
        &format!("{base}/fault/close-mid-body"),
    ]);
    assert_eq!(code(&run), 1, "close-mid-body fails");
    let mut expected = vec![
        format!("{host}_bytes_1000"),
        format!("{host}_bytes_1000_2"),
        format!("{host}_chunked_2000"),
        format!("{host}_.._.._etc_passwd"),
    ];
    expected.sort();
    assert_eq!(entries(&dir), expected, "the failed body is not kept");
    assert!(std::fs::read(dir.join(format!("{host}_bytes_1000_2"))).unwrap() == pattern(1000));
    assert!(std::fs::read(dir.join(format!("{host}_chunked_2000"))).unwrap() == pattern(2000));
    assert!(stdout(&run).contains(&format!(" -> {}", dir.display())));
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------------------
// Faults, timeouts, usage errors.

/// Every fault route that breaks a single request, and the error kind it must produce.
/// (`close-idle`, `keep-alive-timeout` and `wrong-content-length?extra=N` send one valid
/// response: they break only the *next* request on the connection.)
const FAULTS: &[(&str, &str)] = &[
    ("close-mid-headers", "server_disconnected"),
    ("close-before-answer", "server_disconnected"),
    ("close-mid-body", "server_disconnected"),
    ("slow-drip", "timeout"),
    ("slow-body?ms=2000", "timeout"),
    ("never-answer", "timeout"),
    ("garbage-status", "protocol"),
    ("oversized-header", "too_large"),
    // A header line every 1 ms: past 64 KiB in about 65 ms, far inside the 1 s timeout
    // even on a loaded machine (the default 10 ms came close to it).
    ("never-ending-head?ms=1", "too_large"),
    ("wrong-content-length", "server_disconnected"),
    ("bad-chunk-size", "protocol"),
    ("huge-chunk-size", "too_large"),
    ("truncated-chunked", "server_disconnected"),
];

#[test]
fn every_fault_route_fails_with_one_line_naming_its_kind_within_the_timeout() {
    let base = server();
    let timeout = Duration::from_secs(1);
    let started = Instant::now();
    // All at once, so the slow ones overlap.
    let children: Vec<_> = FAULTS
        .iter()
        .map(|(route, kind)| {
            let child = Command::new(FETCH)
                .args(["--timeout", "1", &format!("{base}/fault/{route}")])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (route, kind, child)
        })
        .collect();
    for (route, kind, child) in children {
        let run = child.wait_with_output().unwrap();
        let error = stderr(&run);
        assert_eq!(code(&run), 1, "{route}: {error}");
        assert_eq!(error.lines().count(), 1, "{route}: one line: {error:?}");
        assert!(
            error.starts_with(&format!("fetch: {kind}: ")),
            "{route}: {error}"
        );
    }
    assert!(
        started.elapsed() < timeout + MARGIN,
        "took {:?}",
        started.elapsed()
    );

    // The same list in one run: one line per URL, each naming its kind.
    let list: String = FAULTS
        .iter()
        .map(|(route, _)| format!("{base}/fault/{route}\n"))
        .collect();
    let started = Instant::now();
    let run = fetch_with_stdin(&["-f", "-", "--timeout", "1", "--ordered", "-q"], &list);
    assert!(started.elapsed() < timeout + MARGIN);
    assert_eq!(code(&run), 1);
    let out = stdout(&run);
    assert_eq!(out.lines().count(), FAULTS.len());
    for (line, (route, kind)) in out.lines().zip(FAULTS) {
        assert!(line.starts_with(&format!("{kind} ")), "{route}: {line}");
    }
}

#[test]
fn read_and_connect_timeouts_name_their_limit() {
    let base = server();
    let run = fetch(&[
        "--read-timeout",
        "0.2",
        &format!("{base}/fault/slow-body?ms=1000"),
    ]);
    assert_eq!(code(&run), 1);
    assert!(
        stderr(&run).starts_with("fetch: timeout: sock_read timeout of 200ms"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn an_invalid_url_on_the_command_line_is_a_usage_error_that_names_it() {
    let base = server();
    let run = fetch(&[&format!("{base}/"), "ftp://example.com/file"]);
    assert_eq!(code(&run), 2);
    assert!(run.stdout.is_empty(), "nothing was fetched");
    let error = stderr(&run);
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.contains("ftp://example.com/file"), "{error}");

    let run = fetch(&["http://"]);
    assert_eq!(code(&run), 2);
    assert!(stderr(&run).contains("\"http://\""), "{}", stderr(&run));

    // A bad flag or value: clap's message, the same exit code.
    assert_eq!(code(&fetch(&["--concurrency", "0", &base])), 2);
    assert_eq!(code(&fetch(&["--no-such-flag", &base])), 2);
    assert_eq!(code(&fetch(&["-H", "no colon", &base])), 2);
    assert_eq!(code(&fetch(&[])), 2);

    // In a list file it is that URL's failure, and the others still run.
    let run = fetch_with_stdin(&["-f", "-"], &format!("ftp://x/\n{base}/\n"));
    assert_eq!(code(&run), 1);
    assert!(stdout(&run).contains("invalid_url "), "{}", stdout(&run));
    assert!(stdout(&run).contains("200 "), "{}", stdout(&run));
}

#[test]
fn the_deadline_cancels_what_is_pending_and_reports_it() {
    let base = server();
    let mut urls = vec![format!("{base}/"), format!("{base}/bytes/10")];
    urls.extend((0..3).map(|i| format!("{base}/delay/20000?n={i}")));
    let args: Vec<&str> = urls.iter().map(String::as_str).collect();
    let started = Instant::now();
    // Two slots: the fast ones go first, then two slow ones start; the third never does.
    let run = fetch(&[&["--deadline", "1", "-c", "2", "--ordered"], &args[..]].concat());
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(1) + MARGIN,
        "took {elapsed:?}"
    );
    assert!(
        elapsed >= Duration::from_secs(1),
        "the fast ones do not end the run early"
    );
    assert_eq!(code(&run), 1);
    let out = stdout(&run);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(
        lines[0].starts_with("200 ") && lines[1].starts_with("200 "),
        "{out}"
    );
    for line in &lines[2..] {
        assert!(line.starts_with("cancelled "), "{line}");
        assert!(line.contains("the --deadline of 1.00s passed"), "{line}");
    }
    assert_eq!(out.matches("passed while it ran").count(), 2, "{out}");
    assert_eq!(out.matches("passed before it started").count(), 1, "{out}");
    assert!(
        stderr(&run).contains("  errors       cancelled 3\n"),
        "{}",
        stderr(&run)
    );
}

// ---------------------------------------------------------------------------------------
// TLS.

/// A private CA, and a certificate for 127.0.0.1 that it signed: (CA PEM, chain PEM, key PEM).
fn private_ca() -> (String, String, String) {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "fetch test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned()]).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf_pem = leaf.signed_by(&leaf_key, &issuer).unwrap().pem();
    (ca_pem.clone(), leaf_pem + &ca_pem, leaf_key.serialize_pem())
}

#[test]
fn ca_file_trusts_a_private_ca_that_the_default_roots_refuse() {
    let (ca_pem, chain, key) = private_ca();
    let url = format!("https://{}/", start_server(Some((chain, key))));
    let dir = scratch("ca");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();

    let refused = fetch(&[&url]);
    assert_eq!(code(&refused), 1);
    assert!(refused.stdout.is_empty());
    assert!(
        stderr(&refused).starts_with("fetch: tls: "),
        "{}",
        stderr(&refused)
    );

    let trusted = fetch(&["--ca-file", ca_file.to_str().unwrap(), &url]);
    assert_eq!(code(&trusted), 0, "{}", stderr(&trusted));
    assert_eq!(trusted.stdout, PAGE.as_bytes());

    let insecure = fetch(&["--insecure", &url]);
    assert_eq!(code(&insecure), 0);
    assert!(stderr(&insecure).starts_with("fetch: warning: --insecure"));

    let not_pem = fetch(&["--ca-file", file!(), &url]);
    assert_eq!(code(&not_pem), 2, "an unusable --ca-file is a usage error");
    std::fs::remove_dir_all(dir).unwrap();
}

// ---------------------------------------------------------------------------------------
// The terminal.

#[test]
fn no_escape_codes_in_stderr_when_it_is_not_a_terminal() {
    let base = server();
    let urls: Vec<String> = (0..20)
        .map(|i| format!("{base}/delay/{}", i * 10))
        .chain([refused_url()])
        .collect();
    let args: Vec<&str> = urls.iter().map(String::as_str).collect();
    let run = fetch(&args);
    let error = stderr(&run);
    assert!(
        error.contains("fetch: 21 URLs in "),
        "the summary is there: {error}"
    );
    assert!(!error.contains('\x1b'), "no escape code: {error:?}");
    assert!(!stdout(&run).contains('\x1b'));
}
