//! Crate docs placeholder.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod body;
mod future;
mod headers;
mod layer;
mod matcher;
pub mod repair;
mod service;
mod trace;

pub use body::ResponseBody;
pub use future::ResponseFuture;
pub use layer::{RepairMetadataLayer, DEFAULT_MAX_BODY_BYTES};
pub use matcher::{DiscoveryPaths, Or, StandardPaths, UnderPrefix};
pub use service::RepairMetadata;
