//! ripple-http: a tiny but honest HTTP/1.1 client, and a small server, on ripple's runtime.
//!
//! (Being written: see issue 3. The map of files and the walk of one request come with it.)

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod conn;
mod connect;
pub mod cookies;
pub mod error;
pub mod pool;
mod response;
pub mod server;
mod session;
pub mod timeout;
pub mod tls;
pub mod url;
pub mod wire;

pub use cookies::CookieJar;
pub use error::{Error, Limit, Phase, Result, TimeoutKind};
pub use response::{Response, Timings};
pub use session::{RequestBuilder, Session, SessionBuilder};
pub use timeout::ClientTimeout;
pub use url::Url;
pub use wire::Headers;
