//! The previous evaluation of the same product, for the report's "since the previous
//! evaluation" part. The lab database has no product table: a product is recognised by its
//! image name with version numbers, dates and the file extension removed
//! (`XBR4400-v1.2.3.bin` and `xbr4400-V1.3.0.bin` are one product), within one organisation.

use crate::db::{Db, Job};

/// Product key of an image name: lower case, extension dropped, tokens that look like a version
/// (digits with at least one dot, or a `v`/`r` followed by digits) or a date (6+ digits)
/// dropped, separators collapsed.
pub fn product_key(name: &str) -> String {
    let name = name.rsplit('/').next().unwrap_or(name).to_ascii_lowercase();
    let stem = match name.rsplit_once('.') {
        Some((s, ext)) if !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphabetic()) => s,
        _ => name.as_str(),
    };
    let tokens: Vec<&str> = stem
        .split(['-', '_', ' ', '+', '~'])
        .filter(|t| !t.is_empty())
        .filter(|t| {
            let body = t.strip_prefix(['v', 'r']).unwrap_or(t);
            let versionish = !body.is_empty()
                && body.chars().all(|c| c.is_ascii_digit() || c == '.')
                && (body.contains('.') || t.len() != body.len() || body.len() >= 6);
            !versionish
        })
        .collect();
    tokens.join("-")
}

/// The newest finished scan of the same product in the same organisation, older than `job`
/// and of another image, with its stored report.
pub async fn previous_report(db: &Db, job: &Job) -> anyhow::Result<Option<netvet_model::Report>> {
    let Some(name) = job.image_name.as_deref() else {
        return Ok(None);
    };
    let key = product_key(name);
    if key.is_empty() {
        return Ok(None);
    }
    for j in db.done_scans_of_org(&job.org_id).await? {
        if j.id == job.id || j.created > job.created || j.image_sha256 == job.image_sha256 {
            continue;
        }
        if j.image_name.as_deref().map(product_key).as_deref() != Some(key.as_str()) {
            continue;
        }
        if let Some(r) = j.result.as_deref() {
            if let Ok(report) = serde_json::from_str(r) {
                return Ok(Some(report));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::product_key;

    #[test]
    fn versions_dates_and_extensions_are_dropped() {
        assert_eq!(product_key("XBR4400-v1.2.3.bin"), "xbr4400");
        assert_eq!(product_key("xbr4400_V1.3.0.bin"), "xbr4400");
        assert_eq!(product_key("Archer-C7_v2_20240112.img"), "archer-c7");
        assert_ne!(
            product_key("xbr4400-1.2.bin"),
            product_key("xbr4500-1.2.bin")
        );
        assert_eq!(product_key("1.2.3.bin"), "");
    }
}
