//! The reverse proxy: `oauth-metadata-repair --listen ADDR --upstream URL`.
//!
//! [`args::Args`] is the command line, [`server::run`] starts the workers,
//! each of which accepts connections (under [`limits::Connections`]) and
//! serves them through the library's `RepairMetadataLayer` in front of a
//! [`forward::Forwarder`], whose requests take the worker's
//! [`upstream::Pool`] connections.

pub mod args;
pub mod body;
pub mod checks;
pub mod config;
pub mod forward;
pub mod io;
pub mod limits;
pub mod server;
pub mod tls;
pub mod upstream;
