//! Print the generated format table (the first part of `docs/formats.md`) without building
//! the CLI: `cargo run -p netvet-unpack --example formats_markdown`.

fn main() {
    print!("{}", netvet_unpack::formats_markdown());
}
