//! The `context_manager` demo releases its connection on both ways out, once each.

mod common;

use common::{in_order, run};

const DEMO: &str = env!("CARGO_BIN_EXE_context_manager");

#[test]
fn the_connection_is_closed_by_close_then_by_drop_and_the_client_sees_both() {
    let out = run(DEMO, &["--paused-clock"]);
    in_order(
        &out,
        &[
            "1. The block ends normally",
            "enter: waiting for a connection on 127.0.0.1:",
            "accepted a connection from 127.0.0.1",
            r#"received 23 bytes: "hello from the client\r\n""#,
            "exit: close().await shuts down our side",
            "closed the connection",
            "the block ended normally",
            "client: the server closed the connection",
            "2. The block leaves early",
            "enter: waiting for a connection",
            "accepted a connection",
            "received 16 bytes",
            "exit: the guard was dropped without close(); Drop closes the socket",
            "closed the connection",
            r#"the block returned early with an error: expected a greeting, got "something else""#,
            "client: the server closed the connection",
        ],
    );
    assert_eq!(out.matches("closed the connection\n").count(), 2, "{out}");
}
