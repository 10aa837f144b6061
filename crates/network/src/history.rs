//! Network risk over time: earlier inventories (`DIR/YYYY-MM-DD.csv`), the progress of every
//! rule that has a deadline (`[rules.deadline]`), element changes between inventories, and a
//! quarterly replacement plan for each rule that is not on track.
//!
//! Memory: the inventories are read one after the other into one shared string table, and of
//! each earlier inventory only its figures ([`Snapshot`]) and an element-id map for the next
//! comparison are kept, so a history of N inventories of 1M elements needs about one
//! inventory's memory plus the (mostly shared) strings.

use crate::assess::{
    above_cap, cert_status, stats, CertIndex, DomainStats, VendorShare, CERT_RULES, LIST_CAP,
};
use crate::inventory::{Domain, Element, Inventory, Strings};
use crate::policy::{parse_date, Policy};
use crate::InputError;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// The figures of one inventory at one date, from which progress is measured.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub date: String,
    pub path: String,
    pub elements: u64,
    /// Elements per (domain, vendor).
    pub counts: BTreeMap<(Domain, String), u64>,
    /// Elements failing a certification rule, per (rule, domain, vendor).
    pub cert: BTreeMap<(String, Domain, String), u64>,
}

impl Snapshot {
    /// Figures of `inv` at `date` (certificates are judged valid or expired at that date).
    pub fn of(inv: &Inventory, policy: &Policy, certs: &CertIndex, date: &str) -> Snapshot {
        let mut counts: HashMap<(Domain, u32), u64> = HashMap::new();
        let mut cert: HashMap<(usize, Domain, u32), u64> = HashMap::new();
        let dated_cert_rule = CERT_RULES.iter().any(|r| policy.deadline.contains_key(*r));
        let certify = dated_cert_rule && !policy.require_certified.is_empty();
        for e in &inv.elements {
            *counts.entry((e.domain, e.vendor)).or_default() += 1;
            if certify && policy.require_certified.contains(&e.domain) {
                if let Some(f) = cert_status(inv, policy, certs, e, Some(date)) {
                    *cert.entry((f.rule, e.domain, e.vendor)).or_default() += 1;
                }
            }
        }
        Snapshot {
            date: date.to_string(),
            path: inv.path.clone(),
            elements: inv.elements.len() as u64,
            counts: counts
                .into_iter()
                .map(|((d, v), c)| ((d, inv.s(v).to_string()), c))
                .collect(),
            cert: cert
                .into_iter()
                .map(|((r, d, v), c)| ((CERT_RULES[r].to_string(), d, inv.s(v).to_string()), c))
                .collect(),
        }
    }

    fn domain_total(&self, d: Domain) -> u64 {
        self.counts
            .iter()
            .filter(|((dd, _), _)| *dd == d)
            .map(|(_, c)| c)
            .sum()
    }

    fn vendors_in(&self, d: Domain) -> u64 {
        self.counts
            .iter()
            .filter(|((dd, _), c)| *dd == d && **c > 0)
            .count() as u64
    }

    fn count(&self, d: Domain, v: &str) -> u64 {
        self.counts.get(&(d, v.to_string())).copied().unwrap_or(0)
    }
}

/// Added, removed and swapped elements (same element id, another vendor) of one key.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Tally {
    pub added: u64,
    pub removed: u64,
    /// Elements that came to this key by a vendor swap (the new vendor's side).
    pub swapped_in: u64,
    /// Elements that left this key by a vendor swap (the old vendor's side).
    pub swapped_out: u64,
}

impl Tally {
    fn total(&self) -> u64 {
        self.added + self.removed + self.swapped_in + self.swapped_out
    }
}

/// Element changes between two consecutive inventories, matched by element id.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub from: String,
    pub to: String,
    pub added: u64,
    pub removed: u64,
    /// Elements whose vendor changed.
    pub swapped: u64,
    pub by_vendor: BTreeMap<String, Tally>,
    pub by_domain: BTreeMap<String, Tally>,
    /// The sites with the most changes (at most 1000; `sites_changed` is exact).
    pub by_site: BTreeMap<String, Tally>,
    pub sites_changed: u64,
}

/// One inventory of the history.
#[derive(Debug, Clone, Serialize)]
pub struct Dated {
    pub date: String,
    pub path: String,
    pub elements: u64,
}

/// Earlier inventories: their figures and the element changes up to the current inventory.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// Earlier inventories, oldest first.
    pub snapshots: Vec<Snapshot>,
    /// Changes between consecutive inventories, the last one into the current inventory.
    pub changes: Vec<Change>,
}

/// Element id -> (vendor, domain, site), interned in the shared string table.
type ElementMap = HashMap<u32, (u32, Domain, u32)>;

fn element_map(inv: &Inventory) -> ElementMap {
    inv.elements
        .iter()
        .map(|e| (e.element_id, (e.vendor, e.domain, e.site)))
        .collect()
}

fn diff(prev: &ElementMap, cur: &ElementMap, strings: &Strings, from: &str, to: &str) -> Change {
    let mut by_vendor: HashMap<u32, Tally> = HashMap::new();
    let mut by_domain: BTreeMap<Domain, Tally> = BTreeMap::new();
    let mut by_site: HashMap<u32, Tally> = HashMap::new();
    let (mut added, mut removed, mut swapped) = (0, 0, 0);
    for (id, &(v, d, s)) in cur {
        match prev.get(id) {
            None => {
                added += 1;
                by_vendor.entry(v).or_default().added += 1;
                by_domain.entry(d).or_default().added += 1;
                by_site.entry(s).or_default().added += 1;
            }
            Some(&(pv, pd, ps)) if pv != v => {
                swapped += 1;
                by_vendor.entry(pv).or_default().swapped_out += 1;
                by_vendor.entry(v).or_default().swapped_in += 1;
                by_domain.entry(pd).or_default().swapped_out += 1;
                by_domain.entry(d).or_default().swapped_in += 1;
                by_site.entry(ps).or_default().swapped_out += 1;
                by_site.entry(s).or_default().swapped_in += 1;
            }
            Some(_) => {}
        }
    }
    for (id, &(v, d, s)) in prev {
        if !cur.contains_key(id) {
            removed += 1;
            by_vendor.entry(v).or_default().removed += 1;
            by_domain.entry(d).or_default().removed += 1;
            by_site.entry(s).or_default().removed += 1;
        }
    }
    let sites_changed = by_site.len() as u64;
    let mut sites: Vec<(String, Tally)> = by_site
        .into_iter()
        .map(|(s, t)| (strings.get(s).to_string(), t))
        .collect();
    sites.sort_by(|a, b| b.1.total().cmp(&a.1.total()).then_with(|| a.0.cmp(&b.0)));
    sites.truncate(LIST_CAP);
    Change {
        from: from.to_string(),
        to: to.to_string(),
        added,
        removed,
        swapped,
        by_vendor: by_vendor
            .into_iter()
            .map(|(v, t)| (strings.get(v).to_string(), t))
            .collect(),
        by_domain: by_domain
            .into_iter()
            .map(|(d, t)| (d.as_str().to_string(), t))
            .collect(),
        by_site: sites.into_iter().collect(),
        sites_changed,
    }
}

/// The dated inventories of a history directory: `YYYY-MM-DD.csv` or `YYYY-MM-DD.json`,
/// oldest first. Other files are ignored; a file named like a date that is not one is an error.
pub fn dated_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, InputError> {
    let file = dir.display().to_string();
    let rd = std::fs::read_dir(dir).map_err(|e| InputError::File {
        file: file.clone(),
        message: format!("cannot read the history directory: {e}"),
    })?;
    let mut out = Vec::new();
    for entry in rd.flatten() {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(stem) = name
            .strip_suffix(".csv")
            .or_else(|| name.strip_suffix(".json"))
        else {
            continue;
        };
        let looks_dated = stem.len() == 10
            && stem.bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if !looks_dated {
            continue;
        }
        if parse_date(stem).is_none() {
            return Err(InputError::File {
                file: path.display().to_string(),
                message: format!("'{stem}' is not a calendar date"),
            });
        }
        out.push((stem.to_string(), path));
    }
    out.sort();
    if let Some(w) = out.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(InputError::File {
            file,
            message: format!(
                "two inventories for {} ({} and {})",
                w[0].0,
                w[0].1.display(),
                w[1].1.display()
            ),
        });
    }
    Ok(out)
}

/// Read the history in `dir` and the current inventory dated `as_of`, sharing one string table.
/// A history file that is the current inventory itself is skipped; any other dated on or after
/// `as_of` is an error.
pub fn load(
    dir: &Path,
    current: &Path,
    as_of: &str,
    policy: &Policy,
    certs: &CertIndex,
) -> Result<(Inventory, History), InputError> {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    let mut files = Vec::new();
    for (date, path) in dated_files(dir)? {
        if same(&path, current) {
            continue;
        }
        if date.as_str() >= as_of {
            return Err(InputError::File {
                file: path.display().to_string(),
                message: format!(
                    "history inventory dated {date} is not earlier than the current inventory ({as_of})"
                ),
            });
        }
        files.push((date, path));
    }
    let mut strings = Strings::default();
    let mut history = History::default();
    let mut prev: Option<(String, ElementMap)> = None;
    for (date, path) in &files {
        let inv = Inventory::load_with(path, strings)?;
        history
            .snapshots
            .push(Snapshot::of(&inv, policy, certs, date));
        let map = element_map(&inv);
        if let Some((pd, pm)) = &prev {
            history.changes.push(diff(pm, &map, &inv.strings, pd, date));
        }
        strings = inv.strings;
        prev = Some((date.clone(), map));
    }
    let inv = Inventory::load_with(current, strings)?;
    if let Some((pd, pm)) = &prev {
        let map = element_map(&inv);
        history
            .changes
            .push(diff(pm, &map, &inv.strings, pd, as_of));
    }
    Ok((inv, history))
}

/// The figure of a dated rule at one date.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub date: String,
    /// Element count (`forbid`, certification rules), share (`max_share`) or number of
    /// vendors (`min_vendors`).
    pub value: f64,
    /// Elements concerned (for `max_share` the vendor's elements in the domain; for
    /// `min_vendors` the domain's elements).
    pub elements: u64,
    /// The rule holds at this date.
    pub holds: bool,
}

/// Progress of one rule, domain and vendor with a deadline.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub rule: String,
    pub domain: Domain,
    /// The vendor (null for `min_vendors`, which concerns a whole domain).
    pub vendor: Option<String>,
    pub deadline: String,
    /// `elements`, `share` or `vendors`.
    pub unit: String,
    /// The value at which the rule holds (0 elements, the share cap, the minimum of vendors).
    pub target: f64,
    /// The figure at each date, oldest first; the last one is the current inventory.
    pub series: Vec<Point>,
    /// The rule holds in the current inventory.
    pub holds: bool,
    /// Progress toward the target per year (elements removed, share points as a fraction, or
    /// vendors added), least-squares slope over all dates; null with fewer than two dates.
    pub removal_rate: Option<f64>,
    /// The date the rule holds (already: the first date of the current run of dates at which
    /// it holds) or will hold at the observed rate; null when there is no progress.
    pub projected: Option<String>,
    /// `projected` is on or before the deadline.
    pub on_track: bool,
}

/// Elements of one site to replace in a quarter.
#[derive(Debug, Clone, Serialize)]
pub struct PlanSite {
    pub site: String,
    pub count: u64,
}

/// What must go in one quarter.
#[derive(Debug, Clone, Serialize)]
pub struct PlanQuarter {
    /// `YYYY-Qn`.
    pub quarter: String,
    /// Last day of the quarter.
    pub by: String,
    pub count: u64,
    /// Sites, most elements first.
    pub sites: Vec<PlanSite>,
    /// Element ids (sorted; at most 1000 listed).
    pub elements: Vec<String>,
    /// Vendor shares of the rule's domain once this quarter's elements are gone.
    pub shares_after: Vec<VendorShare>,
}

/// Replacement plan for a rule that is not on track.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub rule: String,
    pub domain: Domain,
    pub vendor: Option<String>,
    pub deadline: String,
    /// The deadline has passed: everything is due in the current quarter.
    pub overdue: bool,
    /// Elements that must go (replaced, or certified for the certification rules).
    pub total: u64,
    pub quarters: Vec<PlanQuarter>,
    /// Concentration of the remaining elements once the plan is done (as `--without`
    /// computes it: replacement equipment is not counted).
    pub domains_after: Vec<DomainStats>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The rules with a deadline, the keys each concerns, and their series.
pub(crate) fn progress(policy: &Policy, series: &[&Snapshot]) -> Vec<Progress> {
    let Some(now) = series.last() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (rule, deadline) in &policy.deadline {
        let mut keys: BTreeSet<(Domain, Option<String>)> = BTreeSet::new();
        for s in series {
            match rule.as_str() {
                "forbid" => {
                    for ((d, v), c) in &s.counts {
                        if *c > 0 && forbidden(policy, *d, v) {
                            keys.insert((*d, Some(v.clone())));
                        }
                    }
                }
                "max_share" => {
                    for ((d, v), c) in &s.counts {
                        if let Some(cap) = cap_of(policy, *d, v) {
                            if above_cap(*c, s.domain_total(*d), cap) {
                                keys.insert((*d, Some(v.clone())));
                            }
                        }
                    }
                }
                "min_vendors" => {
                    for (d, min) in &policy.min_vendors {
                        let n = s.vendors_in(*d);
                        if n > 0 && n < *min as u64 {
                            keys.insert((*d, None));
                        }
                    }
                }
                r => {
                    for ((cr, d, v), c) in &s.cert {
                        if cr == r && *c > 0 {
                            keys.insert((*d, Some(v.clone())));
                        }
                    }
                }
            }
        }
        for (domain, vendor) in keys {
            let mut points = Vec::new();
            let mut target = 0.0;
            let mut unit = "elements";
            for s in series {
                let v = vendor.as_deref().unwrap_or("");
                let (value, elements, holds) = match rule.as_str() {
                    "forbid" => {
                        let c = s.count(domain, v);
                        (c as f64, c, c == 0)
                    }
                    "max_share" => {
                        let cap = cap_of(policy, domain, v).unwrap_or(1.0);
                        target = cap;
                        unit = "share";
                        let c = s.count(domain, v);
                        let n = s.domain_total(domain);
                        let share = if n == 0 { 0.0 } else { c as f64 / n as f64 };
                        (share, c, !above_cap(c, n, cap))
                    }
                    "min_vendors" => {
                        let min = policy.min_vendors.get(&domain).copied().unwrap_or(0);
                        target = min as f64;
                        unit = "vendors";
                        let n = s.vendors_in(domain);
                        (n as f64, s.domain_total(domain), n == 0 || n >= min as u64)
                    }
                    r => {
                        let c = s
                            .cert
                            .get(&(r.to_string(), domain, v.to_string()))
                            .copied()
                            .unwrap_or(0);
                        (c as f64, c, c == 0)
                    }
                };
                points.push(Point {
                    date: s.date.clone(),
                    value,
                    elements,
                    holds,
                });
            }
            let toward = if rule == "min_vendors" { 1.0 } else { -1.0 };
            let rate = slope_per_day(&points).map(|s| round6(toward * s * 365.25));
            let Some(last) = points.last() else {
                continue;
            };
            let holds = last.holds;
            let projected = if holds {
                let first = points.iter().rposition(|p| !p.holds).map_or(0, |i| i + 1);
                Some(points[first].date.clone())
            } else {
                match rate {
                    Some(r) if r > 0.0 => {
                        let gap = (last.value - target).abs();
                        let days = (gap / (r / 365.25)).ceil();
                        add_days(&now.date, days)
                    }
                    _ => None,
                }
            };
            let on_track = projected.as_deref().is_some_and(|p| p <= deadline.as_str());
            out.push(Progress {
                rule: rule.clone(),
                domain,
                vendor,
                deadline: deadline.clone(),
                unit: unit.to_string(),
                target,
                series: points,
                holds,
                removal_rate: rate,
                projected,
                on_track,
            });
        }
    }
    out
}

fn forbidden(policy: &Policy, d: Domain, vendor: &str) -> bool {
    policy
        .forbid
        .get(&policy.tier_of(vendor).0)
        .is_some_and(|ds| ds.contains(&d))
}

fn cap_of(policy: &Policy, d: Domain, vendor: &str) -> Option<f64> {
    policy
        .max_share
        .get(&policy.tier_of(vendor).0)
        .and_then(|m| m.get(&d))
        .copied()
}

/// Rounded to 6 decimals; no negative zero in the report.
fn round6(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

fn day_number(date: &str) -> Option<f64> {
    parse_date(date).map(|d| d.to_julian_day() as f64)
}

/// Least-squares slope of the values over days; None with fewer than two distinct dates.
fn slope_per_day(points: &[Point]) -> Option<f64> {
    let xy: Vec<(f64, f64)> = points
        .iter()
        .filter_map(|p| Some((day_number(&p.date)?, p.value)))
        .collect();
    if xy.len() < 2 {
        return None;
    }
    let n = xy.len() as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    if sxx == 0.0 {
        return None;
    }
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    Some(sxy / sxx)
}

/// `date` plus `days`, or None beyond the year 9999.
fn add_days(date: &str, days: f64) -> Option<String> {
    let d = parse_date(date)?;
    if !days.is_finite() || days > 3_000_000.0 {
        return None;
    }
    let j = d.to_julian_day().checked_add(days as i32)?;
    let out = time::Date::from_julian_day(j).ok()?;
    if out.year() > 9999 {
        return None;
    }
    Some(fmt_date(out))
}

fn fmt_date(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// (year, quarter 1..=4) of a date.
fn quarter_of(d: time::Date) -> (i32, u8) {
    (d.year(), (u8::from(d.month()) - 1) / 3 + 1)
}

fn quarter_end(y: i32, q: u8) -> String {
    let m = time::Month::try_from(q * 3).unwrap_or(time::Month::December);
    let last = m.length(y);
    format!("{y:04}-{:02}-{last:02}", q * 3)
}

/// Quarters from the one holding `from` to the one holding `to` (at least one).
fn quarters(from: time::Date, to: time::Date) -> Vec<(i32, u8)> {
    let (mut y, mut q) = quarter_of(from);
    let end = quarter_of(to);
    let mut out = vec![(y, q)];
    while (y, q) < end && out.len() < 400 {
        q += 1;
        if q == 5 {
            q = 1;
            y += 1;
        }
        out.push((y, q));
    }
    out
}

/// Smallest number of a vendor's `c` of `n` elements to remove so that its share of the rest
/// is at most `cap`.
fn to_remove_for_cap(c: u64, n: u64, cap: f64) -> u64 {
    if cap >= 1.0 {
        return 0;
    }
    let est = ((c as f64 - cap * n as f64) / (1.0 - cap)).ceil().max(0.0) as u64;
    let mut x = est.min(c);
    while x > 0 && !above_cap(c - (x - 1), n - (x - 1), cap) {
        x -= 1;
    }
    while x < c && above_cap(c - x, n - x, cap) {
        x += 1;
    }
    x
}

/// Replacement plans for the dated rules that are not on track, on the current inventory.
pub(crate) fn plans(
    inv: &Inventory,
    policy: &Policy,
    certs: &CertIndex,
    progress: &[Progress],
    as_of: &str,
) -> Vec<Plan> {
    let Some(today) = parse_date(as_of) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for p in progress.iter().filter(|p| !p.on_track && !p.holds) {
        let Some(deadline) = parse_date(&p.deadline) else {
            continue;
        };
        let overdue = deadline < today;
        let qs = quarters(today, if overdue { today } else { deadline });
        if p.rule == "min_vendors" {
            let have = p.series.last().map_or(0.0, |x| x.value);
            out.push(Plan {
                rule: p.rule.clone(),
                domain: p.domain,
                vendor: None,
                deadline: p.deadline.clone(),
                overdue,
                total: 0,
                quarters: Vec::new(),
                domains_after: Vec::new(),
                note: Some(format!(
                    "add {} vendor(s) to the {} domain by {}; no element has to go",
                    (p.target - have).max(0.0),
                    p.domain.as_str(),
                    p.deadline
                )),
            });
            continue;
        }
        let Some(vid) = p.vendor.as_deref().and_then(|v| inv.strings.lookup(v)) else {
            continue;
        };
        let cert_rule = CERT_RULES.iter().position(|r| *r == p.rule);
        let eligible = |e: &Element| {
            e.domain == p.domain
                && e.vendor == vid
                && match cert_rule {
                    None => true,
                    Some(r) => {
                        cert_status(inv, policy, certs, e, Some(as_of)).is_some_and(|f| f.rule == r)
                    }
                }
        };
        // element indices per site
        let mut per_site: HashMap<u32, Vec<usize>> = HashMap::new();
        let mut domain_counts: HashMap<u32, u64> = HashMap::new();
        for (i, e) in inv.elements.iter().enumerate() {
            if e.domain == p.domain {
                *domain_counts.entry(e.vendor).or_default() += 1;
            }
            if eligible(e) {
                per_site.entry(e.site).or_default().push(i);
            }
        }
        let have: u64 = per_site.values().map(|v| v.len() as u64).sum();
        let total = if p.rule == "max_share" {
            let n: u64 = domain_counts.values().sum();
            to_remove_for_cap(have, n, p.target)
        } else {
            have
        };
        let mut sites: Vec<(u32, Vec<usize>)> = per_site.into_iter().collect();
        sites.sort_by(|a, b| {
            b.1.len()
                .cmp(&a.1.len())
                .then_with(|| inv.s(a.0).cmp(inv.s(b.0)))
        });
        let mut removed = vec![false; inv.elements.len()];
        let mut queue = sites.into_iter();
        let mut pending: Option<(u32, Vec<usize>)> = None;
        let mut left = total;
        let mut quarters_out = Vec::new();
        for (qi, &(y, q)) in qs.iter().enumerate() {
            let quota = left.div_ceil((qs.len() - qi) as u64);
            let mut taken = 0u64;
            let mut qsites = Vec::new();
            let mut ids: Vec<u32> = Vec::new();
            while taken < quota && left > 0 {
                let Some((site, mut idx)) = pending.take().or_else(|| queue.next()) else {
                    break;
                };
                // whole sites; only the last one needed to reach the total is split
                let take = (idx.len() as u64).min(left) as usize;
                let rest = idx.split_off(take);
                if !rest.is_empty() {
                    pending = Some((site, rest));
                }
                for &i in &idx {
                    removed[i] = true;
                    if ids.len() < LIST_CAP * 4 {
                        ids.push(inv.elements[i].element_id);
                    }
                }
                taken += idx.len() as u64;
                left -= idx.len() as u64;
                qsites.push(PlanSite {
                    site: inv.s(site).to_string(),
                    count: idx.len() as u64,
                });
                if left == 0 {
                    pending = None;
                }
            }
            if let Some(c) = domain_counts.get_mut(&vid) {
                *c -= taken.min(*c);
            }
            let mut elements: Vec<String> = ids.iter().map(|&i| inv.s(i).to_string()).collect();
            elements.sort();
            elements.truncate(LIST_CAP);
            quarters_out.push(PlanQuarter {
                quarter: format!("{y}-Q{q}"),
                by: quarter_end(y, q),
                count: taken,
                sites: qsites,
                elements,
                shares_after: shares(inv, policy, &domain_counts),
            });
        }
        let rest: Vec<&Element> = inv
            .elements
            .iter()
            .enumerate()
            .filter(|(i, _)| !removed[*i])
            .map(|(_, e)| e)
            .collect();
        out.push(Plan {
            rule: p.rule.clone(),
            domain: p.domain,
            vendor: p.vendor.clone(),
            deadline: p.deadline.clone(),
            overdue,
            total,
            quarters: quarters_out,
            domains_after: stats(inv, policy, &rest),
            note: None,
        });
    }
    out
}

fn shares(inv: &Inventory, policy: &Policy, counts: &HashMap<u32, u64>) -> Vec<VendorShare> {
    let n: u64 = counts.values().sum();
    let mut vs: Vec<VendorShare> = counts
        .iter()
        .filter(|(_, &c)| c > 0)
        .map(|(&v, &c)| {
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
    vs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_for_a_cap_is_the_minimum() {
        // 40 of 100 at a cap of 0.35: remove 8 -> 32 of 92 = 0.3478
        assert_eq!(to_remove_for_cap(40, 100, 0.35), 8);
        assert!(!above_cap(32, 92, 0.35));
        assert!(above_cap(33, 93, 0.35));
        assert_eq!(to_remove_for_cap(35, 100, 0.35), 0);
        assert_eq!(to_remove_for_cap(10, 10, 0.0), 10);
    }

    #[test]
    fn quarters_and_ends() {
        let a = parse_date("2026-02-10").unwrap();
        let b = parse_date("2027-01-05").unwrap();
        assert_eq!(
            quarters(a, b),
            vec![(2026, 1), (2026, 2), (2026, 3), (2026, 4), (2027, 1)]
        );
        assert_eq!(quarter_end(2028, 1), "2028-03-31");
        assert_eq!(quarter_end(2027, 4), "2027-12-31");
        assert_eq!(add_days("2026-12-30", 3.0).as_deref(), Some("2027-01-02"));
    }

    #[test]
    fn slope_is_least_squares() {
        let pt = |d: &str, v: f64| Point {
            date: d.into(),
            value: v,
            elements: 0,
            holds: false,
        };
        let s = slope_per_day(&[
            pt("2026-01-01", 100.0),
            pt("2026-01-11", 90.0),
            pt("2026-01-21", 80.0),
        ])
        .unwrap();
        assert!((s + 1.0).abs() < 1e-9, "{s}");
        assert_eq!(slope_per_day(&[pt("2026-01-01", 1.0)]), None);
    }
}
