//! Print the ELF hardening properties of every ELF file under a directory as TSV, in
//! checksec's vocabulary (used by bench/checksec.sh).
//!
//! usage: cargo run -p netvet-analyze --example hardening -- DIR

use netvet_analyze::elf::{self, ElfType};

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: hardening DIR");
        std::process::exit(2);
    };
    let tree = match netvet_unpack::Unpacker::new(netvet_unpack::Limits::default())
        .unpack_dir(std::path::Path::new(&dir))
    {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{dir}: {e}");
            std::process::exit(1);
        }
    };
    println!("path\ttype\trelro\tcanary\tnx\tpie\trpath\trunpath\tsymbols\tfortify");
    for e in tree.files() {
        if !netvet_unpack::classify::is_elf(&e.data) {
            continue;
        }
        let h = match elf::inspect(&e.data) {
            Ok(h) => h,
            Err(err) => {
                eprintln!("{}: {err}", e.path);
                continue;
            }
        };
        let yn = |b: bool| if b { "yes" } else { "no" };
        let pie = match h.elf_type {
            ElfType::Exec => "no",
            ElfType::Pie => "yes",
            ElfType::Dso => "dso",
            ElfType::Rel => "rel",
            ElfType::Other => "other",
        };
        let relro = match h.relro {
            elf::Relro::None => "no",
            elf::Relro::Partial => "partial",
            elf::Relro::Full => "full",
        };
        println!(
            "{}\t{}\t{relro}\t{}\t{}\t{pie}\t{}\t{}\t{}\t{}",
            e.path,
            h.elf_type.as_str(),
            yn(h.canary),
            yn(h.nx),
            yn(h.rpath.is_some()),
            yn(h.runpath.is_some()),
            yn(!h.stripped),
            yn(h.fortify()),
        );
    }
}
