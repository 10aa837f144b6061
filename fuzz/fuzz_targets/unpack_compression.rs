#![no_main]
// Every compression handler: the first byte picks the handler, the rest is its input.
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    common::run_category(netvet_unpack::Category::Compression, data);
});
