//! `serve`: ripple's example server in a process of its own, until Ctrl-C.
//!
//! The bench runs the server this way, pinned to one core while the clients run on the
//! other; by hand it is the quickest way to see the routes, e.g.
//! `curl -i http://127.0.0.1:8080/chunked/20` or `curl -v .../fault/close-mid-body`.
//! The first line printed is the server's URL (with the real port when `--addr` asks
//! for port 0), so a parent process can read it; the route table follows.
//!
//! Path: `ripple_http::server::Server::run` (http/src/server/mod.rs) serves every
//! connection on this process's one runtime.

#![forbid(unsafe_code)]

use std::io::Write;
use std::net::SocketAddr;

use clap::Parser;
use ripple_http::server::Server;
use ripple_http::server::routes::ROUTES;

/// Serves the example routes (pages, delays, status codes, faults) over HTTP/1.1.
#[derive(Parser, Debug)]
#[command(name = "serve", version)]
struct Args {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Print only the URL, not the route table.
    #[arg(long)]
    quiet: bool,
}

fn main() {
    let args = Args::parse();
    ripple_reactor::run(async move {
        let server = Server::bind(args.addr).unwrap_or_else(|e| {
            eprintln!("serve: cannot listen on {}: {e}", args.addr);
            std::process::exit(1)
        });
        let mut out = std::io::stdout().lock();
        // Failing to print (a closed pipe) must not stop the server.
        let _ = writeln!(out, "{}", server.url("/"));
        if !args.quiet {
            let width = ROUTES
                .iter()
                .map(|(route, _)| route.len())
                .max()
                .unwrap_or(0);
            let _ = writeln!(out, "\nroutes (Ctrl-C stops the server):");
            for (route, what) in ROUTES {
                let _ = writeln!(out, "  {route:width$}  {what}");
            }
        }
        // Piped stdout is block-buffered: flush so a parent reading the URL sees it now.
        let _ = out.flush();
        drop(out);
        server.run().await;
    });
}
