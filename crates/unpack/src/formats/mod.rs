//! Format handlers, one file per format. The order of [`all`] is the order in which handlers
//! are tried when several magics match at one offset (more specific formats first).

use std::sync::Arc;

use crate::handler::HandlerRef;

pub mod ext;
pub mod fat;
pub mod gzip;
pub mod iso9660;
pub mod partitions;
pub mod ubi;
pub mod ubifs;

/// Every handler, in priority order.
pub fn all() -> Vec<HandlerRef> {
    vec![
        // firmware containers (their headers wrap everything else)
        Arc::new(partitions::Gpt),
        Arc::new(partitions::Mbr),
        // file systems
        Arc::new(ext::Ext),
        Arc::new(fat::Fat),
        Arc::new(iso9660::Iso9660),
        Arc::new(ubi::Ubi),
        Arc::new(ubifs::Ubifs),
        // archives
        // compression
        Arc::new(gzip::Gzip),
        // leaves (recognised and skipped)
    ]
}
