//! The page at `/`: a small HTML document of exactly 1,256 bytes, the size of example.com's.
//!
//! The text is our own. Only its length copies the well-known page, so that a thousand
//! GETs of `/` move as many bytes as a thousand GETs of the real thing. A compile-time
//! check keeps the length honest when someone edits the text.
//!
//! Path: `routes.rs` serves [`PAGE`] for `/`.

/// The body served at `/`, exactly [`PAGE_LEN`] bytes.
pub const PAGE: &str = r##"<!doctype html>
<html lang="en">
<head>
    <title>Ripple Example Page</title>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>
    body { background-color: #eef2f5; margin: 0; padding: 0;
        font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; }
    main { width: 600px; margin: 5em auto; padding: 2em; background-color: #fafbfc;
        border-radius: .5em; box-shadow: 2px 3px 7px 2px rgba(0,0,0,0.02); }
    a:link, a:visited { color: #2a5db0; text-decoration: none; }
    @media (max-width: 700px) { main { margin: 0 auto; width: auto; } }
    </style>
</head>
<body>
<main>
    <h1>Ripple Example Page</h1>
    <p>This page is served by the small HTTP/1.1 server that ships with ripple, a
    single-threaded async runtime written in Rust to be read. It stands in for the
    internet while the demos, the tests and the bench run offline.</p>
    <p>Its body is exactly as long as a well-known example page, so that a thousand
    requests for it move about as many bytes as the real thing would.</p>
    <p><a href="/delay/1000">Wait one second for a page</a>, or see
    <a href="/headers">the headers your client sent</a>.</p>
</main>
</body>
</html>
"##;

/// The length of [`PAGE`]: 1,256 bytes, example.com's.
pub const PAGE_LEN: usize = 1256;

const _: () = assert!(
    PAGE.len() == PAGE_LEN,
    "the page must stay 1,256 bytes long"
);
