//! Format handlers, one file per format. The order of [`all`] is the order in which handlers
//! are tried when several magics match at one offset (more specific formats first).

use std::sync::Arc;

use crate::handler::HandlerRef;

pub mod cramfs;
pub mod gzip;
pub mod romfs;
pub mod squashfs;
pub mod squashfs_v3;

/// Every handler, in priority order.
pub fn all() -> Vec<HandlerRef> {
    vec![
        // firmware containers (their headers wrap everything else)
        // file systems
        Arc::new(squashfs::Squashfs),
        Arc::new(cramfs::Cramfs),
        Arc::new(romfs::Romfs),
        // archives
        // compression
        Arc::new(gzip::Gzip),
        // leaves (recognised and skipped)
    ]
}
