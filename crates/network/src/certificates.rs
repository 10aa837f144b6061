//! Imported third-party certificates: a CSV list of the certificates an operator holds for
//! deployed products, under a named scheme (for example GSMA NESAS CCS-GI, Common Criteria,
//! BSI BSZ), read from `*.csv` files in `--certs DIR`:
//!
//! ```csv
//! scheme,certificate_id,product,software_version,firmware_sha256,valid_until
//! nesas,NESAS-2025-017,core-x,2.0,,2028-06-30
//! cc,CC-2024-0042,,,9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08,
//! ```
//!
//! `scheme` and `certificate_id` are required, and `product` or `firmware_sha256` (a
//! certificate with a digest covers exactly that firmware; one without covers the product, at
//! `software_version` when given, any version otherwise). `valid_until` (`YYYY-MM-DD`) is
//! optional. Further columns (an issuer, a link) are ignored. The operator vouches for these
//! records; they carry no signature.

use crate::assess::CertRecord;
use crate::policy::valid_date;
use crate::InputError;

const REQUIRED: [&str; 2] = ["scheme", "certificate_id"];
const OPTIONAL: [&str; 4] = [
    "product",
    "software_version",
    "firmware_sha256",
    "valid_until",
];

/// Parse one certificate list.
pub fn parse_csv(file: &str, data: &[u8]) -> Result<Vec<CertRecord>, InputError> {
    let at = |line: u64, message: String| InputError::At {
        file: file.to_string(),
        line,
        message,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .comment(Some(b'#'))
        .from_reader(data);
    let headers = rdr
        .headers()
        .map_err(|e| at(1, format!("cannot read the header: {e}")))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    for name in REQUIRED {
        if col(name).is_none() {
            return Err(at(
                1,
                format!(
                    "header lacks column '{name}' (expected {},{})",
                    REQUIRED.join(","),
                    OPTIONAL.join(",")
                ),
            ));
        }
    }
    let idx: Vec<Option<usize>> = REQUIRED
        .iter()
        .chain(OPTIONAL.iter())
        .map(|n| col(n))
        .collect();
    let mut out = Vec::new();
    let mut rec = csv::StringRecord::new();
    loop {
        let guess = rdr.position().line();
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(guess);
                return Err(at(line, format!("malformed line: {e}")));
            }
        }
        let line = rec.position().map(|p| p.line()).unwrap_or(guess);
        let get = |k: usize| idx[k].and_then(|i| rec.get(i)).map(str::trim).unwrap_or("");
        let scheme = get(0).to_ascii_lowercase();
        let id = get(1);
        let (product, version, sha, until) = (get(2), get(3), get(4).to_ascii_lowercase(), get(5));
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(at(
                line,
                format!("scheme '{scheme}' is not a name of letters, digits and '-' (for example nesas, cc, bsz)"),
            ));
        }
        if id.is_empty() {
            return Err(at(line, "empty certificate_id".into()));
        }
        if product.is_empty() && sha.is_empty() {
            return Err(at(
                line,
                format!("certificate {id} names neither a product nor a firmware_sha256"),
            ));
        }
        if !sha.is_empty() && (sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(at(
                line,
                format!("firmware_sha256 '{sha}' is not 64 hexadecimal digits"),
            ));
        }
        if !until.is_empty() && !valid_date(until) {
            return Err(at(
                line,
                format!("valid_until '{until}' is not a date YYYY-MM-DD"),
            ));
        }
        out.push(CertRecord {
            file: format!("{file}:{line}"),
            subject_name: [product, version]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(" "),
            sha256: sha,
            verdict: Some(netvet_certify::VerdictResult::Pass),
            signature_ok: true,
            problem: None,
            scheme,
            certificate_id: Some(id.to_string()),
            product: product.to_string(),
            software_version: version.to_string(),
            valid_until: (!until.is_empty()).then(|| until.to_string()),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_schemes_products_and_digests() {
        let csv =
            "scheme,certificate_id,product,software_version,firmware_sha256,valid_until,issuer\n\
                   NESAS,N-1,core-x,2.0,,2028-06-30,Lab A\n\
                   cc,CC-7,,,AB"
                .to_string()
                + &"ab".repeat(31)
                + ",,\n";
        let r = parse_csv("c.csv", csv.as_bytes()).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].scheme, "nesas");
        assert_eq!(r[0].product, "core-x");
        assert_eq!(r[0].software_version, "2.0");
        assert_eq!(r[0].valid_until.as_deref(), Some("2028-06-30"));
        assert_eq!(r[0].file, "c.csv:2");
        assert_eq!(r[1].sha256, "ab".repeat(32));
        assert_eq!(r[1].certificate_id.as_deref(), Some("CC-7"));
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_csv("c.csv", b"scheme,product\nnesas,x\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("c.csv:1: header lacks column 'certificate_id'"),
            "{e}"
        );
        let e = parse_csv(
            "c.csv",
            b"scheme,certificate_id,product,valid_until\nnesas,N-1,x,2028-02-30\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "c.csv:2: valid_until '2028-02-30' is not a date YYYY-MM-DD"
        );
        let e = parse_csv("c.csv", b"scheme,certificate_id,product\ncc,C-1,\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "c.csv:2: certificate C-1 names neither a product nor a firmware_sha256"
        );
    }
}
