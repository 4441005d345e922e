//! Evidence documents as pure data.

pub mod snapshot;
