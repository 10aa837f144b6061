//! The inventory of deployed equipment: CSV with the header
//! `site,element_id,function,domain,vendor,product,software_version,firmware_sha256`, or JSON
//! (an array of objects with the same fields, or `{"elements": [...]}`).

use crate::InputError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

/// Network domains, from most to least sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Domain {
    Core,
    Management,
    Transport,
    Ran,
    Access,
}

impl Domain {
    pub const ALL: [Domain; 5] = [
        Domain::Core,
        Domain::Management,
        Domain::Transport,
        Domain::Ran,
        Domain::Access,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Core => "core",
            Domain::Management => "management",
            Domain::Transport => "transport",
            Domain::Ran => "ran",
            Domain::Access => "access",
        }
    }

    pub fn parse(s: &str) -> Option<Domain> {
        match s.trim().to_ascii_lowercase().as_str() {
            "core" => Some(Domain::Core),
            "management" | "mgmt" => Some(Domain::Management),
            "transport" => Some(Domain::Transport),
            "ran" => Some(Domain::Ran),
            "access" => Some(Domain::Access),
            _ => None,
        }
    }

    /// The domain of a network function, when the inventory leaves `domain` empty.
    pub fn of_function(function: &str) -> Option<Domain> {
        let f = function.trim().to_ascii_uppercase();
        let core = [
            "AMF", "SMF", "UPF", "UDM", "UDR", "AUSF", "NRF", "NSSF", "PCF", "NEF", "SEPP", "SCP",
            "MME", "SGW", "PGW", "HSS", "PCRF", "IMS", "UDSF", "CHF", "NWDAF", "5G-EIR", "N3IWF",
            "UCMF", "AF", "TNGF", "W-AGF",
        ];
        let ran = ["GNB", "GNB-CU", "GNB-DU", "RU", "ENB", "CU", "DU"];
        let transport = ["ROUTER", "SWITCH", "OLT", "MICROWAVE"];
        let management = ["OSS", "EMS", "NMS", "MANO", "NFVO", "VNFM", "VIM", "NFVI"];
        let access = ["ONT", "CPE"];
        if core.contains(&f.as_str()) {
            Some(Domain::Core)
        } else if ran.contains(&f.as_str()) {
            Some(Domain::Ran)
        } else if transport.contains(&f.as_str()) {
            Some(Domain::Transport)
        } else if management.contains(&f.as_str()) {
            Some(Domain::Management)
        } else if access.contains(&f.as_str()) {
            Some(Domain::Access)
        } else {
            None
        }
    }
}

/// One deployed element. Strings are interned indices into [`Inventory`] tables so that a
/// million elements stay small.
#[derive(Debug, Clone, Copy)]
pub struct Element {
    pub site: u32,
    pub element_id: u32,
    pub function: u32,
    pub domain: Domain,
    pub vendor: u32,
    pub product: u32,
    pub software_version: u32,
    /// Lower-case hex SHA-256 of the deployed firmware, interned (empty string when unknown).
    pub firmware_sha256: u32,
    /// Line of the inventory file (1-based; the header is line 1 for CSV).
    pub line: u64,
}

/// String interner.
#[derive(Debug, Default, Clone)]
pub struct Strings {
    list: Vec<String>,
    map: HashMap<String, u32>,
}

impl Strings {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.map.get(s) {
            return i;
        }
        let i = self.list.len() as u32;
        self.list.push(s.to_string());
        self.map.insert(s.to_string(), i);
        i
    }
    pub fn get(&self, i: u32) -> &str {
        self.list.get(i as usize).map(String::as_str).unwrap_or("")
    }
    pub fn lookup(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
}

#[derive(Debug, Default, Clone)]
pub struct Inventory {
    pub path: String,
    pub elements: Vec<Element>,
    pub strings: Strings,
}

#[derive(Deserialize)]
struct JsonElement {
    #[serde(default)]
    site: String,
    #[serde(default)]
    element_id: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    domain: Option<String>,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    software_version: String,
    #[serde(default)]
    firmware_sha256: String,
}

const HEADER: [&str; 8] = [
    "site",
    "element_id",
    "function",
    "domain",
    "vendor",
    "product",
    "software_version",
    "firmware_sha256",
];

impl Inventory {
    /// Read a CSV or JSON inventory (JSON when the first non-blank byte is `[` or `{`).
    pub fn load(path: &Path) -> Result<Inventory, InputError> {
        Inventory::load_with(path, Strings::default())
    }

    /// [`Inventory::load`] into an existing string table, so that the indices of several
    /// inventories (a history) can be compared directly.
    pub fn load_with(path: &Path, strings: Strings) -> Result<Inventory, InputError> {
        let file = path.display().to_string();
        let data = std::fs::read(path).map_err(|e| InputError::File {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Inventory::parse_with(&file, &data, strings)
    }

    pub fn parse(file: &str, data: &[u8]) -> Result<Inventory, InputError> {
        Inventory::parse_with(file, data, Strings::default())
    }

    /// [`Inventory::parse`] into an existing string table.
    pub fn parse_with(file: &str, data: &[u8], strings: Strings) -> Result<Inventory, InputError> {
        let inv = Inventory {
            path: file.to_string(),
            elements: Vec::new(),
            strings,
        };
        let first = data.iter().find(|b| !b.is_ascii_whitespace());
        if matches!(first, Some(b'[') | Some(b'{')) {
            Inventory::parse_json(inv, file, data)
        } else {
            Inventory::parse_csv(inv, file, data)
        }
    }

    fn push(&mut self, file: &str, line: u64, f: [&str; 8]) -> Result<(), InputError> {
        let at = |message: String| InputError::At {
            file: file.to_string(),
            line,
            message,
        };
        let [site, element_id, function, domain, vendor, product, version, sha] = f;
        if vendor.trim().is_empty() {
            return Err(at("empty vendor".into()));
        }
        if element_id.trim().is_empty() {
            return Err(at("empty element_id".into()));
        }
        let domain = if domain.trim().is_empty() {
            Domain::of_function(function).ok_or_else(|| {
                at(format!(
                    "unknown function '{function}' and no domain given (set domain to core, ran, transport, management or access)"
                ))
            })?
        } else {
            Domain::parse(domain).ok_or_else(|| {
                at(format!(
                    "unknown domain '{domain}' (expected core, ran, transport, management or access)"
                ))
            })?
        };
        let sha = sha.trim().to_ascii_lowercase();
        if !sha.is_empty() && (sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit())) {
            return Err(at(format!(
                "firmware_sha256 '{sha}' is not 64 hexadecimal digits"
            )));
        }
        let s = &mut self.strings;
        let e = Element {
            site: s.intern(site.trim()),
            element_id: s.intern(element_id.trim()),
            function: s.intern(function.trim()),
            domain,
            vendor: s.intern(vendor.trim()),
            product: s.intern(product.trim()),
            software_version: s.intern(version.trim()),
            firmware_sha256: s.intern(&sha),
            line,
        };
        self.elements.push(e);
        Ok(())
    }

    fn parse_csv(mut inv: Inventory, file: &str, data: &[u8]) -> Result<Inventory, InputError> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .comment(Some(b'#'))
            .from_reader(data);
        let headers = rdr
            .headers()
            .map_err(|e| InputError::At {
                file: file.to_string(),
                line: 1,
                message: format!("cannot read the header: {e}"),
            })?
            .clone();
        let mut idx = [usize::MAX; 8];
        for (i, h) in headers.iter().enumerate() {
            if let Some(k) = HEADER.iter().position(|x| *x == h.trim()) {
                idx[k] = i;
            }
        }
        for (k, name) in HEADER.iter().enumerate() {
            if idx[k] == usize::MAX && *name != "domain" && *name != "firmware_sha256" {
                return Err(InputError::At {
                    file: file.to_string(),
                    line: 1,
                    message: format!(
                        "header lacks column '{name}' (expected {})",
                        HEADER.join(",")
                    ),
                });
            }
        }
        let mut rec = csv::StringRecord::new();
        loop {
            let line_guess = rdr.position().line();
            match rdr.read_record(&mut rec) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    return Err(InputError::At {
                        file: file.to_string(),
                        line: e.position().map(|p| p.line()).unwrap_or(line_guess),
                        message: format!("malformed line: {e}"),
                    })
                }
            }
            let line = rec.position().map(|p| p.line()).unwrap_or(line_guess);
            if rec.len() != headers.len() {
                return Err(InputError::At {
                    file: file.to_string(),
                    line,
                    message: format!(
                        "malformed line: {} fields, the header has {}",
                        rec.len(),
                        headers.len()
                    ),
                });
            }
            let get = |k: usize| {
                if idx[k] == usize::MAX {
                    ""
                } else {
                    rec.get(idx[k]).unwrap_or("")
                }
            };
            let f = [
                get(0),
                get(1),
                get(2),
                get(3),
                get(4),
                get(5),
                get(6),
                get(7),
            ];
            inv.push(file, line, f)?;
        }
        Ok(inv)
    }

    fn parse_json(mut inv: Inventory, file: &str, data: &[u8]) -> Result<Inventory, InputError> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Doc {
            List(Vec<JsonElement>),
            Wrapped { elements: Vec<JsonElement> },
        }
        let doc: Doc = serde_json::from_slice(data).map_err(|e| InputError::At {
            file: file.to_string(),
            line: e.line() as u64,
            message: format!("malformed JSON inventory: {e}"),
        })?;
        let list = match doc {
            Doc::List(l) => l,
            Doc::Wrapped { elements } => elements,
        };
        for (i, e) in list.iter().enumerate() {
            // JSON has no useful line per element; report the element's index (1-based)
            let f = [
                e.site.as_str(),
                e.element_id.as_str(),
                e.function.as_str(),
                e.domain.as_deref().unwrap_or(""),
                e.vendor.as_str(),
                e.product.as_str(),
                e.software_version.as_str(),
                e.firmware_sha256.as_str(),
            ];
            inv.push(file, i as u64 + 1, f)?;
        }
        Ok(inv)
    }

    pub fn s(&self, i: u32) -> &str {
        self.strings.get(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_derived_domains() {
        let csv =
            "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n\
                   S1,e1,AMF,,Vendor A,core-x,1.0,\n\
                   S1,e2,gNB,,Vendor B,radio-y,2.1,\n\
                   S2,e3,widget,transport,Vendor C,box,3,\n";
        let inv = Inventory::parse("inv.csv", csv.as_bytes()).unwrap();
        assert_eq!(inv.elements.len(), 3);
        assert_eq!(inv.elements[0].domain, Domain::Core);
        assert_eq!(inv.elements[1].domain, Domain::Ran);
        assert_eq!(inv.elements[2].domain, Domain::Transport);
        assert_eq!(inv.s(inv.elements[1].vendor), "Vendor B");
        assert_eq!(inv.elements[2].line, 4);
    }

    #[test]
    fn errors_name_file_and_line() {
        let csv =
            "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n\
                   S1,e1,AMF,,Vendor A,p,1,\n\
                   S1,e2,toaster,,Vendor A,p,1,\n";
        let err = Inventory::parse("net.csv", csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "net.csv:3: unknown function 'toaster' and no domain given (set domain to core, ran, transport, management or access)"
        );
        let csv =
            "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n\
                   S1,e1,AMF,,Vendor A\n";
        let err = Inventory::parse("net.csv", csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("net.csv:2: malformed line"), "{err}");
        let csv =
            "site,element_id,function,domain,vendor,product,software_version,firmware_sha256\n\
                   S1,e1,AMF,,Vendor A,p,1,xyz\n";
        let err = Inventory::parse("net.csv", csv.as_bytes())
            .unwrap_err()
            .to_string();
        assert!(err.contains("net.csv:2: firmware_sha256 'xyz'"), "{err}");
        let err = Inventory::parse("n.csv", b"a,b\n1,2\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("n.csv:1: header lacks column 'site'"),
            "{err}"
        );
    }

    #[test]
    fn json_inventory() {
        let j = r#"[{"site":"S","element_id":"x","function":"UPF","vendor":"V","product":"p","software_version":"1","firmware_sha256":""}]"#;
        let inv = Inventory::parse("i.json", j.as_bytes()).unwrap();
        assert_eq!(inv.elements[0].domain, Domain::Core);
        let err = Inventory::parse("i.json", b"[{\"site\": }]")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("i.json:1: malformed JSON inventory"),
            "{err}"
        );
    }
}
