//! The `oauth-metadata-repair` command-line tool, as a library so that its
//! tests drive the same code the binary runs.
//!
//! This crate is the tool, not an API: its modules change with the tool.
//! The Tower middleware is the `oauth-metadata-repair` crate.

#![forbid(unsafe_code)]

pub mod check;
pub mod proxy;
pub mod repair_flags;
pub mod tls_client;
