#![no_main]
// The whole engine: carving with every handler, recursion, limits.
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    let u = netvet_unpack::Unpacker::new(common::limits());
    let _ = u.unpack_bytes(bytes::Bytes::copy_from_slice(data));
});
