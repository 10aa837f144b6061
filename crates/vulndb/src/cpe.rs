//! CPE 2.3 formatted-string names and their comparison (NISTIR 7695/7696, the subset NVD
//! uses in its applicability statements).
//!
//! Written by hand: the `cpe` crate parses names but does not implement NVD's version-range
//! applicability, and the parser here is 60 lines.

use std::fmt;

/// One attribute value of a CPE name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `*`: any value.
    Any,
    /// `-`: not applicable.
    Na,
    /// A concrete value, unescaped and lower-cased.
    Is(String),
}

impl Value {
    fn parse(raw: &str) -> Value {
        match raw {
            "*" | "" => Value::Any,
            "-" => Value::Na,
            _ => {
                let mut s = String::with_capacity(raw.len());
                let mut esc = false;
                for c in raw.chars() {
                    if esc {
                        s.push(c);
                        esc = false;
                    } else if c == '\\' {
                        esc = true;
                    } else {
                        s.push(c);
                    }
                }
                Value::Is(s.to_ascii_lowercase())
            }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Is(s) => Some(s),
            _ => None,
        }
    }

    /// Does this value (from an applicability statement) admit `other` (from a component)?
    /// ANY admits everything; NA and a concrete value admit only themselves (a component
    /// attribute left at ANY is treated as unknown and admitted by NA).
    fn admits(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Any, _) => true,
            (Value::Na, Value::Na | Value::Any) => true,
            (Value::Is(a), Value::Is(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Any => f.write_str("*"),
            Value::Na => f.write_str("-"),
            Value::Is(s) => {
                for c in s.chars() {
                    if !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-') {
                        write!(f, "\\")?;
                    }
                    write!(f, "{c}")?;
                }
                Ok(())
            }
        }
    }
}

/// A parsed CPE 2.3 name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    /// `a`, `o` or `h`.
    pub part: Value,
    pub vendor: Value,
    pub product: Value,
    pub version: Value,
    pub update: Value,
    /// edition, language, sw_edition, target_sw, target_hw, other
    pub rest: [Value; 6],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a CPE 2.3 name: '{0}'")]
pub struct CpeError(pub String);

impl Cpe {
    /// Parse `cpe:2.3:part:vendor:product:version:update:edition:language:sw_edition:
    /// target_sw:target_hw:other` (missing trailing fields are ANY).
    pub fn parse(s: &str) -> Result<Cpe, CpeError> {
        let err = || CpeError(s.chars().take(200).collect());
        let rest = s.strip_prefix("cpe:2.3:").ok_or_else(err)?;
        let mut fields: Vec<&str> = Vec::with_capacity(11);
        let b = rest.as_bytes();
        let mut start = 0;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'\\' {
                i += 2;
                continue;
            }
            if b[i] == b':' {
                fields.push(&rest[start..i]);
                start = i + 1;
                if fields.len() > 11 {
                    return Err(err());
                }
            }
            i += 1;
        }
        fields.push(rest.get(start..).unwrap_or(""));
        if fields.len() < 3 || fields.len() > 11 {
            return Err(err());
        }
        let v = |i: usize| fields.get(i).map(|f| Value::parse(f)).unwrap_or(Value::Any);
        Ok(Cpe {
            part: v(0),
            vendor: v(1),
            product: v(2),
            version: v(3),
            update: v(4),
            rest: [v(5), v(6), v(7), v(8), v(9), v(10)],
        })
    }

    /// `vendor:product` in lower case (the database's lookup key), if both are concrete.
    pub fn key(&self) -> Option<(String, String)> {
        Some((
            self.vendor.as_str()?.to_string(),
            self.product.as_str()?.to_string(),
        ))
    }

    /// The component's full version: `version` plus a concrete `update` (`9.2` + `p1`).
    pub fn full_version(&self) -> Option<String> {
        let v = self.version.as_str()?;
        match &self.update {
            Value::Is(u) => Some(format!("{v}{u}")),
            _ => Some(v.to_string()),
        }
    }

    /// Do part, vendor, product and the attributes other than version/update admit `c`?
    pub fn admits_identity(&self, c: &Cpe) -> bool {
        if !(self.part.admits(&c.part)
            && self.vendor.admits(&c.vendor)
            && self.product.admits(&c.product))
        {
            return false;
        }
        self.rest
            .iter()
            .zip(c.rest.iter())
            .enumerate()
            .all(|(i, (a, b))| {
                // target_sw (index 4): firmware runs on Linux; "linux" applicability admits it
                if i == 4 && matches!(b, Value::Any) {
                    if let Value::Is(t) = a {
                        return t == "linux" || t == "linux_kernel";
                    }
                }
                a.admits(b)
            })
    }
}

impl fmt::Display for Cpe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cpe:2.3:{}:{}:{}:{}:{}",
            self.part, self.vendor, self.product, self.version, self.update
        )?;
        for r in &self.rest {
            write!(f, ":{r}")?;
        }
        Ok(())
    }
}

/// Build a component's CPE 2.3 name (`a`, vendor, product, version; everything else ANY).
pub fn format_cpe(part: &str, vendor: &str, product: &str, version: &str) -> String {
    let c = Cpe {
        part: Value::parse(part),
        vendor: Value::parse(vendor),
        product: Value::parse(product),
        version: if version.is_empty() {
            Value::Any
        } else {
            Value::Is(version.to_ascii_lowercase())
        },
        update: Value::Any,
        rest: [
            Value::Any,
            Value::Any,
            Value::Any,
            Value::Any,
            Value::Any,
            Value::Any,
        ],
    };
    c.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_print() {
        let c = Cpe::parse("cpe:2.3:a:openbsd:openssh:8.5:p1:*:*:*:*:*:*").unwrap();
        assert_eq!(c.key(), Some(("openbsd".into(), "openssh".into())));
        assert_eq!(c.full_version().as_deref(), Some("8.5p1"));
        assert_eq!(
            c.to_string(),
            "cpe:2.3:a:openbsd:openssh:8.5:p1:*:*:*:*:*:*"
        );
        let e = Cpe::parse(r"cpe:2.3:a:foo\:bar:baz:1.0:*:*:*:*:*:*:*").unwrap();
        assert_eq!(e.vendor, Value::Is("foo:bar".into()));
        assert_eq!(e.product, Value::Is("baz".into()));
        assert_eq!(
            format_cpe("a", "tukaani", "xz", "5.6.1"),
            "cpe:2.3:a:tukaani:xz:5.6.1:*:*:*:*:*:*:*"
        );
        assert!(Cpe::parse("cpe:/a:foo").is_err());
        assert!(Cpe::parse("cpe:2.3:a").is_err());
        assert!(Cpe::parse(&format!("cpe:2.3:{}", "a:".repeat(50))).is_err());
        assert!(Cpe::parse("cpe:2.3:a:x:y:\\").is_ok());
    }

    #[test]
    fn identity_admission() {
        let crit = Cpe::parse("cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*").unwrap();
        let comp = Cpe::parse("cpe:2.3:a:busybox:busybox:1.22.1:*:*:*:*:*:*:*").unwrap();
        assert!(crit.admits_identity(&comp));
        let wp = Cpe::parse("cpe:2.3:a:busybox:busybox:*:*:*:*:*:wordpress:*:*").unwrap();
        assert!(!wp.admits_identity(&comp));
        let other = Cpe::parse("cpe:2.3:o:busybox:busybox:*:*:*:*:*:*:*:*").unwrap();
        assert!(!other.admits_identity(&comp));
    }
}
