//! The assessment: concentration per domain and rule violations.

use crate::history::{self, Change, Dated, History, Plan, Progress, Snapshot};
use crate::inventory::{Domain, Element, Inventory};
use crate::policy::{Policy, Tier};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

pub const SCHEMA: &str = "netvet.network/1";

/// Most element ids / sites listed in one violation; the count is always exact.
pub(crate) const LIST_CAP: usize = 1000;

pub use netvet_certify::CertRecord;

/// A certificate number or file to name a record in a detail.
fn label(r: &CertRecord) -> &str {
    r.certificate_id.as_deref().unwrap_or(&r.file)
}

/// Attestations by subject digest.
#[derive(Debug, Default, Clone)]
pub struct CertIndex {
    pub records: Vec<CertRecord>,
    by_digest: HashMap<String, Vec<usize>>,
    /// Records without a digest, by (product, version) in lower case.
    by_product: HashMap<(String, String), Vec<usize>>,
}

impl CertIndex {
    pub fn new(records: Vec<CertRecord>) -> CertIndex {
        let mut by_digest: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_product: HashMap<(String, String), Vec<usize>> = HashMap::new();
        for (i, r) in records.iter().enumerate() {
            if r.sha256.is_empty() && !r.product.is_empty() {
                by_product
                    .entry((
                        r.product.trim().to_lowercase(),
                        r.software_version.trim().to_lowercase(),
                    ))
                    .or_default()
                    .push(i);
            } else {
                by_digest
                    .entry(r.sha256.to_ascii_lowercase())
                    .or_default()
                    .push(i);
            }
        }
        CertIndex {
            records,
            by_digest,
            by_product,
        }
    }

    /// Records for a deployed element: by firmware digest, and imported certificates without
    /// a digest by product and version (a certificate without a version covers every version).
    fn for_element(&self, sha: &str, product: &str, version: &str) -> Vec<&CertRecord> {
        let mut out: Vec<&CertRecord> = Vec::new();
        if !sha.is_empty() {
            out.extend(
                self.by_digest
                    .get(sha)
                    .into_iter()
                    .flatten()
                    .map(|&i| &self.records[i]),
            );
        }
        if !self.by_product.is_empty() && !product.is_empty() {
            let p = product.to_lowercase();
            for v in [version.to_lowercase(), String::new()] {
                out.extend(
                    self.by_product
                        .get(&(p.clone(), v))
                        .into_iter()
                        .flatten()
                        .map(|&i| &self.records[i]),
                );
                if version.is_empty() {
                    break;
                }
            }
        }
        out
    }
}

/// Index of a certification rule in [`CERT_RULES`].
pub(crate) const CERT_RULES: [&str; 3] = ["uncertified", "attestation-mismatch", "wrong-scheme"];

/// Why an element of a `require_certified` domain fails certification.
pub(crate) struct CertFailure {
    /// Index into [`CERT_RULES`].
    pub rule: usize,
    pub why: String,
    /// Schemes the element is certified under (for `wrong-scheme`).
    pub held: Vec<String>,
}

/// Certification of one element at a date (`None`: it passes). The caller checks that the
/// element's domain is in `require_certified`.
pub(crate) fn cert_status(
    inv: &Inventory,
    policy: &Policy,
    certs: &CertIndex,
    e: &Element,
    as_of: Option<&str>,
) -> Option<CertFailure> {
    let sha = inv.s(e.firmware_sha256);
    let prod = inv.s(e.product);
    let ver = inv.s(e.software_version);
    let recs = certs.for_element(sha, prod, ver);
    let verified = |r: &&CertRecord| r.signature_ok && r.problem.is_none();
    let good_verdict = |r: &&CertRecord| r.passes(policy.accept_conditional);
    let expired = |r: &&CertRecord| match (&r.valid_until, as_of) {
        (Some(until), Some(now)) => now > until.as_str(),
        _ => false,
    };
    let passing: Vec<&CertRecord> = recs
        .iter()
        .filter(|r| verified(r) && good_verdict(r) && !expired(r))
        .copied()
        .collect();
    let fail = |rule: usize, why: String| {
        Some(CertFailure {
            rule,
            why,
            held: Vec::new(),
        })
    };
    if !passing.is_empty() {
        let required = policy.schemes_for(e.domain);
        if required.is_empty()
            || passing
                .iter()
                .any(|r| required.iter().any(|s| s == r.scheme()))
        {
            return None;
        }
        let mut held: Vec<String> = passing.iter().map(|r| r.scheme().to_string()).collect();
        held.sort();
        held.dedup();
        let labels: Vec<&str> = passing.iter().map(|r| label(r)).collect();
        return Some(CertFailure {
            rule: 2,
            why: format!(
                "certified under {} ({}), the {} domain needs {}",
                held.join(", "),
                labels.join(", "),
                e.domain.as_str(),
                required.join(" or ")
            ),
            held,
        });
    }
    if let Some(bad) = recs.iter().find(|r| !verified(r)) {
        return fail(
            1,
            format!(
                "attestation {} does not verify: {}",
                bad.file,
                bad.problem
                    .clone()
                    .unwrap_or_else(|| "bad signature".into())
            ),
        );
    }
    if let Some(old) = recs.iter().find(|r| expired(r)) {
        return fail(
            0,
            format!(
                "certificate {} ({}) expired on {}",
                label(old),
                old.scheme(),
                old.valid_until.as_deref().unwrap_or("")
            ),
        );
    }
    if let Some(failed) = recs.first() {
        return fail(
            0,
            format!(
                "attestation {} has verdict '{}'",
                failed.file,
                failed.verdict.map_or("", |v| v.as_str())
            ),
        );
    }
    if sha.is_empty() {
        return fail(0, "no firmware digest in the inventory".to_string());
    }
    // an attestation for the same product and version but another digest means the deployed
    // binary is not the certified one
    let other = certs.records.iter().find(|r| {
        r.signature_ok
            && !r.sha256.is_empty()
            && !prod.is_empty()
            && r.subject_name.contains(prod)
            && (ver.is_empty() || r.subject_name.contains(ver))
    });
    match other {
        Some(r) => fail(
            1,
            format!(
                "deployed firmware differs from the certified image {} ({}, sha256 {})",
                r.subject_name, r.file, r.sha256
            ),
        ),
        None => fail(0, "no passing attestation for this digest".to_string()),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VendorShare {
    pub vendor: String,
    pub tier: Tier,
    pub elements: u64,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DomainStats {
    pub domain: Domain,
    pub elements: u64,
    pub sites: u64,
    /// Vendors by descending share.
    pub vendors: Vec<VendorShare>,
    /// Herfindahl-Hirschman index on percentage shares (0..10000).
    pub hhi: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Violation {
    /// `forbid`, `max_share`, `min_vendors`, `uncertified` or `attestation-mismatch`.
    pub rule: String,
    pub domain: Domain,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware_sha256: Option<String>,
    /// `wrong-scheme`: the schemes the elements are certified under.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub schemes: Vec<String>,
    /// `wrong-scheme`: the schemes the domain needs.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub required_schemes: Vec<String>,
    /// Number of elements concerned (exact).
    pub count: u64,
    /// Sites concerned (sorted; at most 1000 listed).
    pub sites: Vec<String>,
    /// Element ids concerned (sorted; at most 1000 listed).
    pub elements: Vec<String>,
    pub detail: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Replacement {
    pub domain: Domain,
    pub site: String,
    pub count: u64,
    pub elements: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WhatIf {
    pub vendor: String,
    /// Elements to replace.
    pub total: u64,
    pub replace: Vec<Replacement>,
    /// Concentration of the remaining elements.
    pub domains_after: Vec<DomainStats>,
    /// Rule violations of the remaining elements (certification rules included).
    pub violations_after: Vec<Violation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InventorySummary {
    pub path: String,
    pub elements: u64,
    pub sites: u64,
    pub vendors: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub schema: String,
    pub netvet_version: String,
    pub inventory: InventorySummary,
    pub policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// Vendors in the inventory that the policy does not list (given the default tier).
    pub unlisted_vendors: Vec<String>,
    pub domains: Vec<DomainStats>,
    pub violations: Vec<Violation>,
    /// Violations per site (for the per-site chart), sorted by site.
    pub violations_per_site: BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub without: Option<WhatIf>,
    /// One entry per rule with a deadline, domain and vendor (empty without `[rules.deadline]`
    /// or without an assessment date).
    pub progress: Vec<Progress>,
    /// Replacement plans for the dated rules that are not on track.
    pub plan: Vec<Plan>,
    /// The earlier inventories and the element changes between inventories (`--history`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryReport>,
}

/// The history part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryReport {
    /// Earlier inventories, oldest first (the current one is `inventory`).
    pub inventories: Vec<Dated>,
    pub changes: Vec<Change>,
    /// Vendor shares per domain at each date, oldest first, the current inventory last.
    pub shares: Vec<DatedShares>,
}

/// Vendor shares per domain at one date.
#[derive(Debug, Clone, Serialize)]
pub struct DatedShares {
    pub date: String,
    pub domains: BTreeMap<String, Vec<VendorShare>>,
}

impl Assessment {
    pub fn has_violations(&self) -> bool {
        !self.violations.is_empty()
    }
}

pub(crate) struct Collect {
    count: u64,
    sites: BTreeSet<u32>,
    elements: Vec<u32>,
}

impl Collect {
    pub(crate) fn new() -> Collect {
        Collect {
            count: 0,
            sites: BTreeSet::new(),
            elements: Vec::new(),
        }
    }
    pub(crate) fn add(&mut self, e: &Element) {
        self.count += 1;
        self.sites.insert(e.site);
        if self.elements.len() < LIST_CAP * 4 {
            self.elements.push(e.element_id);
        }
    }
    pub(crate) fn lists(&self, inv: &Inventory) -> (Vec<String>, Vec<String>) {
        let mut sites: Vec<String> = self.sites.iter().map(|&s| inv.s(s).to_string()).collect();
        sites.sort();
        sites.truncate(LIST_CAP);
        let mut els: Vec<String> = self
            .elements
            .iter()
            .map(|&s| inv.s(s).to_string())
            .collect();
        els.sort();
        els.dedup();
        els.truncate(LIST_CAP);
        (sites, els)
    }
}

/// Elements, elements per vendor, and sites of one domain.
type DomainCount = (u64, HashMap<u32, u64>, BTreeSet<u32>);

pub(crate) fn stats(inv: &Inventory, policy: &Policy, els: &[&Element]) -> Vec<DomainStats> {
    let mut per: BTreeMap<Domain, DomainCount> = BTreeMap::new();
    for e in els {
        let d = per.entry(e.domain).or_default();
        d.0 += 1;
        *d.1.entry(e.vendor).or_default() += 1;
        d.2.insert(e.site);
    }
    per.into_iter()
        .map(|(domain, (n, vendors, sites))| {
            let mut vs: Vec<VendorShare> = vendors
                .into_iter()
                .map(|(v, c)| {
                    let name = inv.s(v).to_string();
                    VendorShare {
                        tier: policy.tier_of(&name).0,
                        vendor: name,
                        elements: c,
                        share: c as f64 / n as f64,
                    }
                })
                .collect();
            vs.sort_by(|a, b| {
                b.elements
                    .cmp(&a.elements)
                    .then_with(|| a.vendor.cmp(&b.vendor))
            });
            let hhi = vs.iter().map(|v| (v.share * 100.0).powi(2)).sum::<f64>();
            DomainStats {
                domain,
                elements: n,
                sites: sites.len() as u64,
                vendors: vs,
                hhi: (hhi * 100.0).round() / 100.0,
            }
        })
        .collect()
}

/// Is `count / total` strictly above `cap`? Exact for shares written with up to 9 decimals.
pub(crate) fn above_cap(count: u64, total: u64, cap: f64) -> bool {
    // compare count * 1e9 with round(cap * 1e9) * total in integers
    let cap_n = (cap * 1e9).round() as u128;
    (count as u128) * 1_000_000_000 > cap_n * total as u128
}

fn find_violations(
    inv: &Inventory,
    policy: &Policy,
    certs: &CertIndex,
    els: &[&Element],
    domains: &[DomainStats],
) -> Vec<Violation> {
    let mut out = Vec::new();
    let tiers: HashMap<u32, Tier> = els
        .iter()
        .map(|e| e.vendor)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|v| (v, policy.tier_of(inv.s(v)).0))
        .collect();

    // forbid: one violation per (domain, vendor)
    if policy.applies("forbid") {
        let mut hits: BTreeMap<(Domain, String), Collect> = BTreeMap::new();
        for e in els {
            let t = tiers[&e.vendor];
            if policy
                .forbid
                .get(&t)
                .is_some_and(|ds| ds.contains(&e.domain))
            {
                hits.entry((e.domain, inv.s(e.vendor).to_string()))
                    .or_insert_with(Collect::new)
                    .add(e);
            }
        }
        for ((domain, vendor), c) in hits {
            let (sites, elements) = c.lists(inv);
            let tier = policy.tier_of(&vendor).0;
            out.push(Violation {
                rule: "forbid".into(),
                domain,
                detail: format!(
                    "{} element(s) of {} vendor '{}' in the {} domain, where the policy forbids {} vendors",
                    c.count,
                    tier.as_str(),
                    vendor,
                    domain.as_str(),
                    tier.as_str()
                ),
                vendor: Some(vendor),
                tier: Some(tier),
                share: None,
                limit: None,
                firmware_sha256: None,
                schemes: Vec::new(),
                required_schemes: Vec::new(),
                count: c.count,
                sites,
                elements,
            });
        }
    }

    // max_share
    if policy.applies("max_share") {
        for ds in domains {
            for v in &ds.vendors {
                let Some(cap) = policy
                    .max_share
                    .get(&v.tier)
                    .and_then(|m| m.get(&ds.domain))
                else {
                    continue;
                };
                if above_cap(v.elements, ds.elements, *cap) {
                    let mut c = Collect::new();
                    for e in els
                        .iter()
                        .filter(|e| e.domain == ds.domain && inv.s(e.vendor) == v.vendor)
                    {
                        c.add(e);
                    }
                    let (sites, elements) = c.lists(inv);
                    out.push(Violation {
                        rule: "max_share".into(),
                        domain: ds.domain,
                        vendor: Some(v.vendor.clone()),
                        tier: Some(v.tier),
                        share: Some(v.share),
                        limit: Some(*cap),
                        firmware_sha256: None,
                        schemes: Vec::new(),
                        required_schemes: Vec::new(),
                        count: v.elements,
                        sites,
                        elements,
                        detail: format!(
                            "{} vendor '{}' has {:.2} % of the {} domain ({} of {} elements), above the cap of {:.2} %",
                            v.tier.as_str(),
                            v.vendor,
                            v.share * 100.0,
                            ds.domain.as_str(),
                            v.elements,
                            ds.elements,
                            cap * 100.0
                        ),
                    });
                }
            }
        }
    }

    // min_vendors
    if policy.applies("min_vendors") {
        for (domain, &min) in &policy.min_vendors {
            let Some(ds) = domains.iter().find(|d| d.domain == *domain) else {
                continue; // no element in this domain: nothing to diversify
            };
            let n = ds.vendors.len() as u32;
            if n < min {
                out.push(Violation {
                    rule: "min_vendors".into(),
                    domain: *domain,
                    vendor: None,
                    tier: None,
                    share: None,
                    limit: Some(min as f64),
                    firmware_sha256: None,
                    schemes: Vec::new(),
                    required_schemes: Vec::new(),
                    count: ds.elements,
                    sites: Vec::new(),
                    elements: Vec::new(),
                    detail: format!(
                        "{} distinct vendor(s) in the {} domain ({}), the policy requires at least {}",
                        n,
                        domain.as_str(),
                        ds.vendors.iter().map(|v| v.vendor.as_str()).collect::<Vec<_>>().join(", "),
                        min
                    ),
                });
            }
        }
    }

    // certification: grouped by (rule, domain, firmware digest)
    let applies = CERT_RULES.map(|r| policy.applies(r));
    if applies.iter().any(|&x| x) && !policy.require_certified.is_empty() {
        type Group = (Collect, String, Vec<String>);
        let mut groups: BTreeMap<(usize, Domain, String), Group> = BTreeMap::new();
        for e in els
            .iter()
            .filter(|e| policy.require_certified.contains(&e.domain))
        {
            let Some(f) = cert_status(inv, policy, certs, e, policy.as_of.as_deref()) else {
                continue;
            };
            if !applies[f.rule] {
                continue;
            }
            let sha = inv.s(e.firmware_sha256).to_string();
            groups
                .entry((f.rule, e.domain, sha))
                .or_insert_with(|| (Collect::new(), f.why, f.held))
                .0
                .add(e);
        }
        for ((rule, domain, sha), (c, why, held)) in groups {
            let (sites, elements) = c.lists(inv);
            let required_schemes = if rule == 2 {
                policy.schemes_for(domain).to_vec()
            } else {
                Vec::new()
            };
            out.push(Violation {
                rule: CERT_RULES[rule].into(),
                domain,
                vendor: None,
                tier: None,
                share: None,
                limit: None,
                firmware_sha256: if sha.is_empty() { None } else { Some(sha) },
                schemes: held,
                required_schemes,
                count: c.count,
                sites,
                elements,
                detail: format!(
                    "{} element(s) in the {} domain: {}",
                    c.count,
                    domain.as_str(),
                    why
                ),
            });
        }
    }
    out
}

/// Assess an inventory against a policy, optionally with the what-if removal of `without`.
/// Rules with a deadline get a progress entry (from this inventory alone) when the policy
/// has an assessment date.
pub fn assess(
    inv: &Inventory,
    policy: &Policy,
    certs: &CertIndex,
    without: Option<&str>,
) -> Assessment {
    assess_over_time(inv, policy, certs, without, None)
}

/// Vendor shares per domain of one snapshot.
fn snapshot_shares(policy: &Policy, s: &Snapshot) -> DatedShares {
    let mut domains: BTreeMap<String, Vec<VendorShare>> = BTreeMap::new();
    let mut totals: BTreeMap<Domain, u64> = BTreeMap::new();
    for ((d, _), c) in &s.counts {
        *totals.entry(*d).or_default() += c;
    }
    for ((d, v), c) in &s.counts {
        domains
            .entry(d.as_str().to_string())
            .or_default()
            .push(VendorShare {
                vendor: v.clone(),
                tier: policy.tier_of(v).0,
                elements: *c,
                share: *c as f64 / totals[d].max(1) as f64,
            });
    }
    for vs in domains.values_mut() {
        vs.sort_by(|a, b| {
            b.elements
                .cmp(&a.elements)
                .then_with(|| a.vendor.cmp(&b.vendor))
        });
    }
    DatedShares {
        date: s.date.clone(),
        domains,
    }
}

/// [`assess`] with the earlier inventories of `history` (see [`crate::history::load`]): the
/// progress of dated rules over all dates, element changes, and replacement plans.
pub fn assess_over_time(
    inv: &Inventory,
    policy: &Policy,
    certs: &CertIndex,
    without: Option<&str>,
    history: Option<&History>,
) -> Assessment {
    let mut a = assess_now(inv, policy, certs, without);
    let Some(as_of) = policy.as_of.as_deref() else {
        return a;
    };
    if policy.deadline.is_empty() && history.is_none() {
        return a;
    }
    let now = Snapshot::of(inv, policy, certs, as_of);
    let mut series: Vec<&Snapshot> = history
        .map(|h| h.snapshots.iter().collect())
        .unwrap_or_default();
    series.push(&now);
    a.progress = history::progress(policy, &series);
    a.plan = history::plans(inv, policy, certs, &a.progress, as_of);
    if let Some(h) = history {
        a.history = Some(HistoryReport {
            inventories: h
                .snapshots
                .iter()
                .map(|s| Dated {
                    date: s.date.clone(),
                    path: s.path.clone(),
                    elements: s.elements,
                })
                .collect(),
            changes: h.changes.clone(),
            shares: series.iter().map(|s| snapshot_shares(policy, s)).collect(),
        });
    }
    a
}

fn assess_now(
    inv: &Inventory,
    policy: &Policy,
    certs: &CertIndex,
    without: Option<&str>,
) -> Assessment {
    let all: Vec<&Element> = inv.elements.iter().collect();
    let domains = stats(inv, policy, &all);
    let violations = find_violations(inv, policy, certs, &all, &domains);
    let mut per_site: BTreeMap<String, u64> = BTreeMap::new();
    for v in &violations {
        for s in &v.sites {
            *per_site.entry(s.clone()).or_default() += 1;
        }
    }
    let vendors: BTreeSet<&str> = inv.elements.iter().map(|e| inv.s(e.vendor)).collect();
    let unlisted: Vec<String> = vendors
        .iter()
        .filter(|v| !policy.tier_of(v).1)
        .map(|v| v.to_string())
        .collect();
    let sites: BTreeSet<u32> = inv.elements.iter().map(|e| e.site).collect();
    let without = without.map(|name| {
        let is_v = |e: &Element| inv.s(e.vendor).eq_ignore_ascii_case(name);
        let mut rep: BTreeMap<(Domain, String), Collect> = BTreeMap::new();
        for e in inv.elements.iter().filter(|e| is_v(e)) {
            rep.entry((e.domain, inv.s(e.site).to_string()))
                .or_insert_with(Collect::new)
                .add(e);
        }
        let replace: Vec<Replacement> = rep
            .into_iter()
            .map(|((domain, site), c)| Replacement {
                domain,
                site,
                count: c.count,
                elements: c.lists(inv).1,
            })
            .collect();
        let rest: Vec<&Element> = inv.elements.iter().filter(|e| !is_v(e)).collect();
        let after = stats(inv, policy, &rest);
        let v_after = find_violations(inv, policy, certs, &rest, &after);
        WhatIf {
            vendor: name.to_string(),
            total: replace.iter().map(|r| r.count).sum(),
            replace,
            domains_after: after,
            violations_after: v_after,
        }
    });
    Assessment {
        schema: SCHEMA.into(),
        netvet_version: env!("CARGO_PKG_VERSION").into(),
        inventory: InventorySummary {
            path: inv.path.clone(),
            elements: inv.elements.len() as u64,
            sites: sites.len() as u64,
            vendors: vendors.len() as u64,
        },
        policy: policy.path.clone(),
        as_of: policy.as_of.clone(),
        unlisted_vendors: unlisted,
        domains,
        violations,
        violations_per_site: per_site,
        without,
        progress: Vec::new(),
        plan: Vec::new(),
        history: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_comparison_is_exact_at_the_boundary() {
        assert!(!above_cap(35, 100, 0.35));
        assert!(above_cap(36, 100, 0.35));
        assert!(!above_cap(7, 20, 0.35));
        assert!(above_cap(351, 1000, 0.35));
        assert!(!above_cap(1, 3, 0.34));
        assert!(above_cap(1, 3, 0.33));
    }
}
