//! Crate docs placeholder.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
pub mod repair;
