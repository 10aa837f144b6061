//! Embeds every file under the repository's `rules/` directory into the binary.
use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

type BuildResult<T> = Result<T, Box<dyn Error>>;

fn walk(dir: &Path, base: &Path, out: &mut Vec<(String, PathBuf)>) -> BuildResult<()> {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    let mut items: Vec<_> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    items.sort();
    for p in items {
        if p.is_dir() {
            walk(&p, base, out)?;
        } else if p.is_file() {
            println!("cargo:rerun-if-changed={}", p.display());
            let rel = p.strip_prefix(base)?.to_string_lossy().replace('\\', "/");
            let abs = p
                .canonicalize()
                .map_err(|e| format!("{}: {e}", p.display()))?;
            out.push((rel, abs));
        }
    }
    Ok(())
}

fn main() -> BuildResult<()> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let rules = manifest.join("../../rules");
    let mut files = Vec::new();
    walk(&rules, &rules, &mut files)?;
    let mut s = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in files {
        writeln!(
            s,
            "    ({rel:?}, include_bytes!({:?})),",
            abs.display().to_string()
        )?;
    }
    s.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("embedded_rules.rs");
    std::fs::write(&out, s).map_err(|e| format!("{}: {e}", out.display()))?;
    Ok(())
}
