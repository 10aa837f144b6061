//! Loading a directory of attestations for the network assessment: every `*.pub` file in the
//! directory is a trusted lab key; every `*.csv` file is a list of imported third-party
//! certificates (see `netvet_network::certificates`); every other file that parses as a DSSE
//! envelope is an attestation, checked against those keys. An attestation's scheme is its
//! predicate's `scheme` when it has one, else `netvet`.

use netvet_network::{CertIndex, CertRecord};
use std::path::Path;

/// Read every attestation in `dir` and verify it with the trusted keys (`*.pub`) in the same
/// directory.
pub fn load_dir(dir: &Path) -> anyhow::Result<CertIndex> {
    let rd =
        std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("--certs {}: {e}", dir.display()))?;
    let mut files: Vec<_> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut keys = Vec::new();
    for p in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "pub"))
    {
        let k = netvet_certify::attest::load_verifying_key(p)
            .map_err(|e| anyhow::anyhow!("--certs: trusted key {}: {e}", p.display()))?;
        keys.push(k);
    }
    let mut records = Vec::new();
    let lists: Vec<&std::path::PathBuf> = files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        .collect();
    for p in &lists {
        let bytes =
            std::fs::read(p).map_err(|e| anyhow::anyhow!("--certs {}: {e}", p.display()))?;
        records.extend(netvet_network::certificates::parse_csv(
            &p.display().to_string(),
            &bytes,
        )?);
    }
    if keys.is_empty() && lists.is_empty() {
        anyhow::bail!(
            "--certs {}: no trusted lab key (*.pub) and no certificate list (*.csv) in the directory",
            dir.display()
        );
    }
    for p in files.iter().filter(|p| {
        !p.extension()
            .is_some_and(|e| e == "pub" || e == "key" || e == "csv")
    }) {
        let bytes = std::fs::read(p)?;
        if !CertRecord::is_attestation(&bytes) {
            continue;
        }
        records.push(CertRecord::from_attestation(
            &p.display().to_string(),
            &bytes,
            &keys,
            None,
        ));
    }
    Ok(CertIndex::new(records))
}
