//! Loading a directory of attestations for the network assessment: every `*.pub` file in the
//! directory is a trusted lab key; every `*.csv` file is a list of imported third-party
//! certificates (see `netvet_network::certificates`); every other file that parses as a DSSE
//! envelope is an attestation, checked against those keys. An attestation's scheme is its
//! predicate's `scheme` when it has one, else `netvet`.

use base64::Engine as _;
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
        let Ok(env) = serde_json::from_slice::<netvet_certify::attest::Envelope>(&bytes) else {
            continue; // not an attestation
        };
        let Some(st) = base64::engine::general_purpose::STANDARD
            .decode(&env.payload)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        else {
            continue;
        };
        let subject = &st["subject"][0];
        let name = subject["name"].as_str().unwrap_or("").to_string();
        let sha = subject["digest"]["sha256"]
            .as_str()
            .unwrap_or("")
            .to_ascii_lowercase();
        let verdict = st["predicate"]["verdict"]["result"]
            .as_str()
            .or_else(|| st["predicate"]["verdict"].as_str())
            .unwrap_or("")
            .to_string();
        let scheme = st["predicate"]["scheme"]
            .as_str()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let mut problem = keys
            .is_empty()
            .then(|| "no trusted lab key (*.pub) in the directory".to_string());
        let mut ok = false;
        for k in &keys {
            match netvet_certify::attest::verify(&bytes, k, &sha) {
                Ok(v) => {
                    ok = true;
                    problem = None;
                    records.push(CertRecord {
                        file: p.display().to_string(),
                        subject_name: v.subject_name,
                        sha256: v.sha256,
                        verdict: v.verdict,
                        signature_ok: true,
                        problem: None,
                        scheme: scheme.clone(),
                        ..Default::default()
                    });
                    break;
                }
                Err(e) => problem = Some(e.to_string()),
            }
        }
        if !ok {
            records.push(CertRecord {
                file: p.display().to_string(),
                subject_name: name,
                sha256: sha,
                verdict,
                signature_ok: false,
                problem,
                scheme,
                ..Default::default()
            });
        }
    }
    Ok(CertIndex::new(records))
}
