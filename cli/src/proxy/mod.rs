//! The reverse proxy: `oauth-metadata-repair --listen ADDR --upstream URL`.
//!
//! [`args::Args`] is the command line, [`server::run`] starts the workers,
//! each of which accepts connections and serves them through the library's
//! `RepairMetadataLayer` in front of a [`forward::Forwarder`].

pub mod args;
pub mod forward;
pub mod server;
pub mod tls;
pub mod upstream;
