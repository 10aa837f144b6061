use bytes::Bytes;
use netvet_unpack::{Limits, Tree, Unpacker};

fn unpack(rel: &str) -> Option<Tree> {
    let p = netvet_model::corpus::path(rel)?;
    let data = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    Some(Unpacker::new(Limits::default()).unpack_bytes(Bytes::from(data)))
}

#[test]
fn dump() {
    for rel in std::env::var("DUMP").unwrap_or_default().split(',').filter(|s| !s.is_empty()) {
        let Some(t) = unpack(rel) else { return };
        println!("== {rel}");
        for l in &t.layers { println!("layer {} {} {} {}", l.path, l.format, l.variant, l.size); }
        for e in t.errors.iter() { println!("ERR {:?}", e); }
        for e in t.limits_hit.iter() { println!("LIMIT {:?}", e); }
        for e in t.entries.iter().take(std::env::var("N").ok().and_then(|n| n.parse().ok()).unwrap_or(40)) {
            println!("{:?} {} {:o} {}:{} {} {} {:?}", e.kind, e.path, e.meta.mode, e.meta.uid, e.meta.gid, e.meta.mtime, e.size, e.link_target);
        }
        println!("entries {}", t.entries.len());
    }
}
