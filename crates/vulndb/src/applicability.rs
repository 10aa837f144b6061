//! CPE 2.3 applicability: does a vulnerability's configuration hold for the components of
//! one image, and which components make it hold?
//!
//! An image is the platform: a configuration node is satisfied when its criteria admit
//! components of the image (`OR`: one criterion, `AND`: every criterion), nodes combine with
//! the configuration's operator (running-on configurations are `AND`s of an application node
//! and a platform node), `negate` inverts. The components reported are the ones admitted by
//! *vulnerable* criteria of a satisfied configuration.

use crate::cpe::{Cpe, Value};
use crate::record::{Config, CpeMatch, Node, Op, OsvAffected, Record};
use crate::version::compare;
use std::cmp::Ordering;

/// A component as the matcher sees it.
#[derive(Debug, Clone)]
pub struct Target {
    pub cpe: Option<Cpe>,
    /// Full version (`9.2p1`), from the component.
    pub version: String,
    /// Lower-case names for OSV package matching (component name, package name).
    pub names: Vec<String>,
}

impl Target {
    pub fn new(cpe: Option<&str>, version: &str, names: &[&str]) -> Target {
        Target {
            cpe: cpe.and_then(|c| Cpe::parse(c).ok()),
            version: version.to_string(),
            names: names.iter().map(|n| n.to_ascii_lowercase()).collect(),
        }
    }
}

/// Is `version` inside the range of `m` (whose parsed criteria is `crit`)?
pub fn version_admitted(m: &CpeMatch, crit: &Cpe, version: &str) -> bool {
    if version.is_empty() {
        return false;
    }
    if m.has_range() {
        if let Value::Is(_) = crit.version {
            // a concrete version plus a range: the version must be that one
            if crit
                .full_version()
                .is_some_and(|cv| compare(version, &cv) != Ordering::Equal)
            {
                return false;
            }
        }
        if let Some(s) = &m.start_including {
            if compare(version, s) == Ordering::Less {
                return false;
            }
        }
        if let Some(s) = &m.start_excluding {
            if compare(version, s) != Ordering::Greater {
                return false;
            }
        }
        if let Some(e) = &m.end_including {
            if compare(version, e) == Ordering::Greater {
                return false;
            }
        }
        if let Some(e) = &m.end_excluding {
            if compare(version, e) != Ordering::Less {
                return false;
            }
        }
        return true;
    }
    match &crit.version {
        Value::Any => true,
        Value::Na => false,
        Value::Is(_) => crit
            .full_version()
            .is_some_and(|cv| compare(version, &cv) == Ordering::Equal),
    }
}

/// Does criterion `m` admit target `t`?
pub fn criterion_admits(m: &CpeMatch, crit: &Cpe, t: &Target) -> bool {
    let Some(tc) = &t.cpe else { return false };
    crit.admits_identity(tc) && version_admitted(m, crit, &t.version)
}

/// Result of evaluating a node: satisfied, and the targets hit by vulnerable criteria.
fn eval_node(n: &Node, targets: &[Target]) -> (bool, Vec<usize>) {
    let mut hits = Vec::new();
    let mut any = false;
    let mut all = true;
    for m in &n.matches {
        let Ok(crit) = Cpe::parse(&m.criteria) else {
            all = false;
            continue;
        };
        let mut this = false;
        for (i, t) in targets.iter().enumerate() {
            if criterion_admits(m, &crit, t) {
                this = true;
                if m.vulnerable && !hits.contains(&i) {
                    hits.push(i);
                }
            }
        }
        any |= this;
        all &= this;
    }
    let sat = match n.op {
        Op::Or => any,
        Op::And => all && !n.matches.is_empty(),
    };
    if n.neg {
        (!sat, Vec::new())
    } else {
        (sat, hits)
    }
}

fn eval_config(c: &Config, targets: &[Target]) -> (bool, Vec<usize>) {
    let mut hits = Vec::new();
    let mut any = false;
    let mut all = true;
    for n in &c.nodes {
        let (sat, h) = eval_node(n, targets);
        if sat {
            any = true;
            for i in h {
                if !hits.contains(&i) {
                    hits.push(i);
                }
            }
        } else {
            all = false;
        }
    }
    let sat = match c.op {
        Op::Or => any,
        Op::And => all && !c.nodes.is_empty(),
    };
    if c.neg {
        (!sat, Vec::new())
    } else {
        (sat, hits)
    }
}

fn osv_admits(a: &OsvAffected, version: &str) -> bool {
    if version.is_empty() {
        return false;
    }
    if a.versions
        .iter()
        .any(|v| compare(version, v) == Ordering::Equal)
    {
        return true;
    }
    a.ranges.iter().any(|r| {
        let after_start = match r.introduced.as_deref() {
            None | Some("0") => true,
            Some(i) => compare(version, i) != Ordering::Less,
        };
        let before_end = match (r.fixed.as_deref(), r.last_affected.as_deref()) {
            (Some(f), _) => compare(version, f) == Ordering::Less,
            (None, Some(l)) => compare(version, l) != Ordering::Greater,
            (None, None) => true,
        };
        after_start && before_end
    })
}

/// Which targets does `rec` affect, with the criterion that matched (for the evidence)?
pub fn affected(rec: &Record, targets: &[Target]) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = Vec::new();
    for c in &rec.configs {
        let (sat, hits) = eval_config(c, targets);
        if !sat {
            continue;
        }
        for i in hits {
            if out.iter().any(|(j, _)| *j == i) {
                continue;
            }
            // name the first vulnerable criterion that admits the target
            let why = c
                .nodes
                .iter()
                .flat_map(|n| n.matches.iter())
                .filter(|m| m.vulnerable)
                .find(|m| {
                    Cpe::parse(&m.criteria).is_ok_and(|crit| {
                        targets
                            .get(i)
                            .is_some_and(|t| criterion_admits(m, &crit, t))
                    })
                })
                .map(describe_match)
                .unwrap_or_default();
            out.push((i, why));
        }
    }
    for a in &rec.osv {
        for (i, t) in targets.iter().enumerate() {
            if t.names.contains(&a.name)
                && osv_admits(a, &t.version)
                && !out.iter().any(|(j, _)| *j == i)
            {
                out.push((i, format!("OSV {} package '{}'", a.ecosystem, a.name)));
            }
        }
    }
    out
}

/// `cpe:... versions from 1.27.0 (including) up to 1.33.1 (including)`.
pub fn describe_match(m: &CpeMatch) -> String {
    let mut s = m.criteria.clone();
    let mut parts = Vec::new();
    if let Some(v) = &m.start_including {
        parts.push(format!("from {v} (including)"));
    }
    if let Some(v) = &m.start_excluding {
        parts.push(format!("from {v} (excluding)"));
    }
    if let Some(v) = &m.end_including {
        parts.push(format!("up to {v} (including)"));
    }
    if let Some(v) = &m.end_excluding {
        parts.push(format!("up to {v} (excluding)"));
    }
    if !parts.is_empty() {
        s.push_str(" versions ");
        s.push_str(&parts.join(" "));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(c: &str, si: Option<&str>, ee: Option<&str>) -> CpeMatch {
        CpeMatch {
            vulnerable: true,
            criteria: c.into(),
            start_including: si.map(Into::into),
            start_excluding: None,
            end_including: None,
            end_excluding: ee.map(Into::into),
        }
    }

    #[test]
    fn running_on_and_configuration() {
        let app = m("cpe:2.3:a:acme:httpd:*:*:*:*:*:*:*:*", None, Some("2.0"));
        let mut os = m("cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*", None, None);
        os.vulnerable = false;
        let rec = Record {
            id: "CVE-0000-0001".into(),
            published: String::new(),
            cvss: None,
            vector: String::new(),
            cwe: vec![],
            aliases: vec![],
            configs: vec![Config {
                op: Op::And,
                neg: false,
                nodes: vec![
                    Node {
                        op: Op::Or,
                        neg: false,
                        matches: vec![app],
                    },
                    Node {
                        op: Op::Or,
                        neg: false,
                        matches: vec![os],
                    },
                ],
            }],
            osv: vec![],
        };
        let httpd = Target::new(
            Some("cpe:2.3:a:acme:httpd:1.5:*:*:*:*:*:*:*"),
            "1.5",
            &["httpd"],
        );
        let kernel = Target::new(
            Some("cpe:2.3:o:linux:linux_kernel:3.10.14:*:*:*:*:*:*:*"),
            "3.10.14",
            &["linux"],
        );
        // the platform node is not satisfied without a Linux kernel in the image
        assert!(affected(&rec, std::slice::from_ref(&httpd)).is_empty());
        let both = [httpd.clone(), kernel];
        let hits = affected(&rec, &both);
        // only the vulnerable criterion's component is reported, not the platform
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, 0);
        assert!(hits[0].1.contains("up to 2.0 (excluding)"));
    }
}
