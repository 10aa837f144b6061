//! SPDX 2.3 JSON: the image as the described package, each component a package that the
//! image CONTAINS, with purl and CPE external references and, for `vuln.cve` findings,
//! SECURITY `advisory` references.
//!
//! Written with `serde_json` rather than `spdx-rs`: the output is a small, fixed subset of
//! the format; `scripts/validate-sbom.py` validates it with the official SPDX tools.

use crate::RenderError;
use netvet_model::{kinds, Report};
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn spdx_id(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `YYYY-MM-DDThh:mm:ssZ` for `secs` since the epoch.
fn timestamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Creation time: `SOURCE_DATE_EPOCH` when set (reproducible builds), else now.
fn created() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        });
    timestamp(secs)
}

pub fn document(report: &Report, created: &str) -> Value {
    let image_name = std::path::Path::new(&report.image.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| report.image.path.clone());
    let mut advisories: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.kind == kinds::VULN_CVE) {
        if let (Some(id), Some(c)) = (&f.cve, &f.component) {
            let list = advisories.entry(c.clone()).or_default();
            if !list.contains(id) {
                list.push(id.clone());
            }
        }
    }
    let mut image = json!({
        "SPDXID": "SPDXRef-Image",
        "name": image_name,
        "downloadLocation": "NOASSERTION",
        "filesAnalyzed": false,
        "primaryPackagePurpose": "FIRMWARE",
    });
    if report.image.sha256.len() == 64 {
        image["checksums"] = json!([{"algorithm": "SHA256", "checksumValue": report.image.sha256}]);
    }
    let mut packages = vec![image];
    let mut relationships = vec![json!({
        "spdxElementId": "SPDXRef-DOCUMENT",
        "relationshipType": "DESCRIBES",
        "relatedSpdxElement": "SPDXRef-Image",
    })];
    for (i, c) in report.components.iter().enumerate() {
        let id = format!("SPDXRef-Package-{}-{}", i + 1, spdx_id(&c.name));
        let mut refs = vec![json!({
            "referenceCategory": "PACKAGE-MANAGER",
            "referenceType": "purl",
            "referenceLocator": c.purl,
        })];
        if let Some(cpe) = &c.cpe {
            refs.push(json!({
                "referenceCategory": "SECURITY",
                "referenceType": "cpe23Type",
                "referenceLocator": cpe,
            }));
        }
        for cve in advisories
            .get(&format!("{}@{}", c.name, c.version))
            .into_iter()
            .flatten()
        {
            let url = if cve.starts_with("CVE-") {
                format!("https://nvd.nist.gov/vuln/detail/{cve}")
            } else {
                format!("https://osv.dev/vulnerability/{cve}")
            };
            refs.push(json!({
                "referenceCategory": "SECURITY",
                "referenceType": "advisory",
                "referenceLocator": url,
            }));
        }
        let mut p = json!({
            "SPDXID": id,
            "name": c.name,
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "externalRefs": refs,
            "comment": format!("found at: {}; evidence: {}", c.paths.join(", "), c.evidence),
        });
        if !c.version.is_empty() {
            p["versionInfo"] = json!(c.version);
        }
        packages.push(p);
        relationships.push(json!({
            "spdxElementId": "SPDXRef-Image",
            "relationshipType": "CONTAINS",
            "relatedSpdxElement": id,
        }));
    }
    let ns_key = if report.image.sha256.is_empty() {
        spdx_id(&report.image.path)
    } else {
        report.image.sha256.clone()
    };
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": format!("netvet SBOM of {image_name}"),
        "documentNamespace": format!("https://spdx.org/spdxdocs/netvet-{ns_key}"),
        "creationInfo": {
            "created": created,
            "creators": [format!("Tool: netvet-{}", report.netvet_version)],
        },
        "documentDescribes": ["SPDXRef-Image"],
        "packages": packages,
        "relationships": relationships,
    })
}

pub fn render(report: &Report) -> Result<String, RenderError> {
    serde_json::to_string_pretty(&document(report, &created()))
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| RenderError::Failed {
            format: "spdx",
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cyclonedx::testdata::sample_report;

    #[test]
    fn packages_refs_and_relationships() {
        let d = document(&sample_report(), "2024-01-02T03:04:05Z");
        assert_eq!(d["spdxVersion"], "SPDX-2.3");
        assert_eq!(d["creationInfo"]["created"], "2024-01-02T03:04:05Z");
        let p = &d["packages"][1];
        assert_eq!(p["SPDXID"], "SPDXRef-Package-1-busybox");
        assert_eq!(p["versionInfo"], "1.22.1");
        assert_eq!(
            p["externalRefs"][0]["referenceLocator"],
            "pkg:generic/busybox@1.22.1"
        );
        assert_eq!(p["externalRefs"][1]["referenceType"], "cpe23Type");
        assert_eq!(
            p["externalRefs"][2]["referenceLocator"],
            "https://nvd.nist.gov/vuln/detail/CVE-2022-48174"
        );
        assert_eq!(
            d["relationships"][1]["relatedSpdxElement"],
            "SPDXRef-Package-1-busybox"
        );
        assert_eq!(d["packages"].as_array().unwrap().len(), 3);
    }

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_709_251_199), "2024-02-29T23:59:59Z");
    }
}
