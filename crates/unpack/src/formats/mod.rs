//! Format handlers, one file per format. The order of [`all`] is the order in which handlers
//! are tried when several magics match at one offset (more specific formats first).

use std::sync::Arc;

use crate::handler::HandlerRef;

pub mod android_sparse;
pub mod fit;
pub mod gzip;
pub mod jffs2;
pub mod tplink;
pub mod trx;
pub mod uimage;
pub mod yaffs2;

/// Every handler, in priority order.
pub fn all() -> Vec<HandlerRef> {
    vec![
        // firmware containers (their headers wrap everything else)
        Arc::new(uimage::UImage),
        Arc::new(fit::Fit),
        Arc::new(trx::Trx),
        Arc::new(tplink::TpLink),
        Arc::new(android_sparse::AndroidSparse),
        // file systems
        Arc::new(jffs2::Jffs2),
        Arc::new(yaffs2::Yaffs2),
        // archives
        // compression
        Arc::new(gzip::Gzip),
        // leaves (recognised and skipped)
    ]
}
