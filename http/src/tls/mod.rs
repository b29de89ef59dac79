//! TLS for the client and the example server: rustls over ripple's own streams (being written).
