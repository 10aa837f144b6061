// Shared by the unpack targets: run one handler (chosen by the first input byte among the
// handlers of a category) through the engine with small limits.
use bytes::Bytes;
use netvet_unpack::{Category, Limits, Unpacker};

pub fn limits() -> Limits {
    Limits {
        max_bytes: 64 << 20,
        max_ratio: 1000,
        ratio_floor: 16 << 20,
        max_depth: 4,
        max_entries: 10_000,
        memory_budget: 64 << 20,
    }
}

#[allow(dead_code)]
pub fn run_category(cat: Category, data: &[u8]) {
    let Some((&sel, rest)) = data.split_first() else { return };
    let hs: Vec<_> = netvet_unpack::formats::all()
        .into_iter()
        .filter(|h| h.doc().category == cat)
        .collect();
    if hs.is_empty() {
        return;
    }
    let h = hs[sel as usize % hs.len()].clone();
    let u = Unpacker::with_handlers(limits(), vec![h]);
    let _ = u.unpack_bytes(Bytes::copy_from_slice(rest));
}
