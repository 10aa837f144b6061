#![no_main]
// Every leaf handler (PDF, JPEG, PNG, GIF, BMP, RIFF): the first byte picks the handler, the
// rest is its input. Leaves extract nothing; identify must still never panic or over-read.
use libfuzzer_sys::fuzz_target;
mod common;

fuzz_target!(|data: &[u8]| {
    common::run_category(netvet_unpack::Category::Leaf, data);
});
