//! Findings x catalogue x policy x evidence -> verdict.
//!
//! For each requirement the policy selects, the findings of the kinds that violate it and the
//! supplied evidence decide its status:
//! * `fail`: at least one finding at or above the policy threshold and not waived, or
//!   evidence that says fail;
//! * `not-applicable`: evidence says the requirement does not apply to the product;
//! * `waived`: findings at or above the threshold, all of them waived by unexpired waivers;
//! * `pass`: an image requirement with no finding at or above the threshold, or a partial or
//!   documentation requirement with no such finding and evidence that says pass;
//! * `needs-evidence`: a partial or documentation requirement with no failing finding and no
//!   evidence (a clean scan never passes it: the image alone does not decide it);
//! * `not-tested`: an image requirement netvet has no check for.
//!
//! A requirement whose `applies_from` date is after the verdict date is judged and reported
//! but not enforced, unless the policy enforces its regime early. Over the enforced
//! requirements the verdict is `fail` when any fails, else `needs-evidence` when any needs
//! evidence, else `conditional` when some has findings (waived or below the threshold), else
//! `pass`; `not-applicable` when no requirement is enforced at that date. Each regime gets the
//! same verdict over its own requirements (enforced or not).

use crate::catalogue::{Catalogue, Method};
use crate::evidence::EvidenceStatus;
use crate::policy::{Policy, Waiver};
use netvet_model::{RegimeVerdict, Report, RequirementResult, Severity, Verdict, VerdictResult};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;

/// A waiver that was used for a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AppliedWaiver {
    pub finding: String,
    pub fingerprint: String,
    pub reason: String,
    pub expires: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirement: Option<String>,
}

/// The outcome of judging a report: the verdict and what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub verdict: Verdict,
    pub applied_waivers: Vec<AppliedWaiver>,
    /// Waivers past their expiry date: they no longer apply.
    pub expired_waivers: Vec<Waiver>,
    /// Ids of findings below their threshold that violate an applicable requirement.
    pub below_threshold: Vec<String>,
}

impl Judgement {
    /// Findings summary for attestations and reports.
    pub fn summary(&self, report: &Report) -> serde_json::Value {
        let mut by_sev = serde_json::Map::new();
        for s in Severity::ALL {
            let n = report.findings.iter().filter(|f| f.severity == s).count();
            by_sev.insert(s.as_str().to_string(), json!(n));
        }
        let mut by_kind = std::collections::BTreeMap::<&str, usize>::new();
        for f in &report.findings {
            *by_kind.entry(f.kind.as_str()).or_default() += 1;
        }
        json!({
            "total": report.findings.len(),
            "by_severity": by_sev,
            "by_kind": by_kind,
            "waived": self.applied_waivers.len(),
            "below_threshold": self.below_threshold.len(),
        })
    }
}

/// Judge `report` against `catalogue` and `policy` (with its evidence) on date `today`
/// (regime dates, waiver and evidence expiry). Writes the violated requirement ids into each
/// finding, sets `report.verdict`, and records the waivers used and expired under
/// `report.summaries["certify"]`.
pub fn judge(
    report: &mut Report,
    catalogue: &Catalogue,
    policy: &Policy,
    today: time::Date,
) -> Judgement {
    let applicable: Vec<_> = catalogue
        .requirements
        .iter()
        .filter(|r| policy.selects(r))
        .collect();
    let (active, expired): (Vec<&Waiver>, Vec<&Waiver>) =
        policy.waivers.iter().partition(|w| w.is_active(today));

    for f in report.findings.iter_mut() {
        f.requirements = applicable
            .iter()
            .filter(|r| r.kinds.contains(&f.kind))
            .map(|r| r.id.clone())
            .collect();
    }

    let mut results = Vec::with_capacity(applicable.len());
    let mut applied: Vec<AppliedWaiver> = Vec::new();
    let mut below: Vec<String> = Vec::new();
    // per regime: (enforced?, had findings?) accumulators
    let mut overall = Tally::default();
    let mut per_regime: BTreeMap<&str, (Tally, RegimeVerdict)> = BTreeMap::new();
    for r in &applicable {
        let mut ids = Vec::new();
        let (mut failing, mut waived, mut any_finding) = (false, false, false);
        for f in report
            .findings
            .iter()
            .filter(|f| f.requirements.contains(&r.id))
        {
            ids.push(f.id.clone());
            any_finding = true;
            if f.severity < policy.threshold(&f.kind) {
                if !below.contains(&f.id) {
                    below.push(f.id.clone());
                }
                continue;
            }
            let waiver = active.iter().find(|w| {
                w.fingerprint == f.fingerprint
                    && w.requirement.as_deref().is_none_or(|req| req == r.id)
            });
            match waiver {
                Some(w) => {
                    waived = true;
                    if !applied
                        .iter()
                        .any(|a| a.finding == f.id && a.requirement == w.requirement)
                    {
                        applied.push(AppliedWaiver {
                            finding: f.id.clone(),
                            fingerprint: f.fingerprint.clone(),
                            reason: w.reason.clone(),
                            expires: w.expires.to_string(),
                            requirement: w.requirement.clone(),
                        });
                    }
                }
                None => failing = true,
            }
        }
        let evidence = policy.evidence.for_requirement(&r.id, today);
        let status = match (failing, evidence.map(|e| e.status)) {
            (true, _) | (false, Some(EvidenceStatus::Fail)) => "fail",
            (false, Some(EvidenceStatus::NotApplicable)) => "not-applicable",
            (false, Some(EvidenceStatus::Pass)) if waived => "waived",
            (false, Some(EvidenceStatus::Pass)) => "pass",
            (false, None) => match r.method {
                Method::Image if !r.is_tested() => "not-tested",
                Method::Image if waived => "waived",
                Method::Image => "pass",
                Method::Partial | Method::Documentation => "needs-evidence",
            },
        };
        let regime = catalogue.regime_of(r);
        let applies_from = catalogue.applies_from(r);
        let in_force = applies_from.is_none_or(|d| today >= d);
        let enforced = in_force || policy.enforces_early(regime);
        let has_findings = any_finding && status != "not-applicable";
        if enforced {
            overall.add(status, has_findings);
        }
        let entry = per_regime.entry(regime).or_insert_with(|| {
            let docs: Vec<&crate::catalogue::Document> = catalogue
                .documents
                .iter()
                .filter(|d| d.regime == regime)
                .collect();
            (
                Tally::default(),
                RegimeVerdict {
                    regime: regime.to_string(),
                    documents: Vec::new(),
                    jurisdiction: docs
                        .iter()
                        .map(|d| d.jurisdiction.as_str())
                        .find(|j| !j.is_empty())
                        .unwrap_or("")
                        .to_string(),
                    applies_from: None,
                    in_force: true,
                    enforced: false,
                    result: VerdictResult::NotApplicable,
                    judged: 0,
                    total: docs.iter().map(|d| d.requirements).sum(),
                    counts: BTreeMap::new(),
                },
            )
        });
        let (tally, rv) = entry;
        tally.add(status, has_findings);
        rv.judged += 1;
        *rv.counts.entry(status.to_string()).or_default() += 1;
        rv.in_force &= in_force;
        rv.enforced |= enforced;
        if let Some(d) = applies_from {
            let d = d.to_string();
            if rv.applies_from.as_ref().is_none_or(|cur| d < *cur) {
                rv.applies_from = Some(d);
            }
        }
        if let Some(doc) = catalogue.document_of(r) {
            let name = if doc.document.is_empty() {
                doc.id.clone()
            } else {
                doc.document.clone()
            };
            if !rv.documents.contains(&name) {
                rv.documents.push(name);
            }
        }
        results.push(RequirementResult {
            id: r.id.clone(),
            title: r.title.clone(),
            status: status.to_string(),
            findings: ids,
            source: Some(r.citation()),
            method: Some(r.method.as_str().to_string()),
            regime: Some(regime.to_string()),
            applies_from: applies_from.map(|d| d.to_string()),
            enforced,
            evidence: evidence.map(|e| e.citation()),
            checks: r.kinds.clone(),
        });
    }
    let regimes: Vec<RegimeVerdict> = per_regime
        .into_values()
        .map(|(t, mut rv)| {
            rv.result = t.result();
            rv
        })
        .collect();
    let verdict = Verdict {
        result: overall.result(),
        policy: policy.name.clone(),
        requirements: results,
        date: Some(today.to_string()),
        regimes,
    };
    let judgement = Judgement {
        verdict: verdict.clone(),
        applied_waivers: applied,
        expired_waivers: expired.into_iter().cloned().collect(),
        below_threshold: below,
    };
    report.verdict = Some(verdict);
    let expired_json: Vec<_> = judgement
        .expired_waivers
        .iter()
        .map(|w| {
            json!({"fingerprint": w.fingerprint, "reason": w.reason,
                   "expires": w.expires.to_string(), "line": w.line})
        })
        .collect();
    let mut summary = json!({
        "policy": {"name": policy.name, "version": policy.version,
                   "origin": policy.origin, "sha256": policy.digest},
        "catalogue": {"version": catalogue.version, "sha256": catalogue.digest},
        "threshold": policy.fail_threshold.as_str(),
        "waived": judgement.applied_waivers,
        "expired_waivers": expired_json,
        "below_threshold": judgement.below_threshold,
    });
    if let Some(origin) = &policy.evidence.origin {
        let used: Vec<_> = policy
            .evidence
            .items
            .iter()
            .filter(|e| e.is_active(today) && applicable.iter().any(|r| r.id == e.requirement))
            .collect();
        let expired_ev: Vec<_> = policy.evidence.expired(today).collect();
        summary["evidence"] = json!({
            "origin": origin,
            "sha256": policy.evidence.digest,
            "used": used,
            "expired": expired_ev,
        });
    }
    summary["documents"] = json!(catalogue
        .documents
        .iter()
        .filter(|d| applicable.iter().any(|r| r.catalogue == d.id))
        .collect::<Vec<_>>());
    report.summaries.insert("certify".to_string(), summary);
    judgement
}

/// Status counts of a set of requirements, for their combined result.
#[derive(Default)]
struct Tally {
    count: usize,
    fail: bool,
    needs_evidence: bool,
    findings: bool,
}

impl Tally {
    fn add(&mut self, status: &str, has_findings: bool) {
        self.count += 1;
        match status {
            "fail" => self.fail = true,
            "needs-evidence" => self.needs_evidence = true,
            _ => {}
        }
        self.findings |= has_findings;
    }

    fn result(&self) -> VerdictResult {
        if self.count == 0 {
            VerdictResult::NotApplicable
        } else if self.fail {
            VerdictResult::Fail
        } else if self.needs_evidence {
            VerdictResult::NeedsEvidence
        } else if self.findings {
            VerdictResult::Conditional
        } else {
            VerdictResult::Pass
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use netvet_model::{kinds, Finding, ImageInfo};
    use netvet_rules::RuleSet;

    fn date(s: &str) -> time::Date {
        crate::policy::parse_date(&toml::Value::String(s.into())).unwrap()
    }

    fn report(findings: Vec<Finding>) -> Report {
        let mut r = Report::new(ImageInfo::default());
        r.findings = findings;
        r.number_findings();
        r
    }

    fn telnet() -> Finding {
        Finding::new(
            kinds::SERVICE_INSECURE,
            Severity::High,
            "telnetd started at boot",
            Some("etc/init.d/rcS".into()),
            "telnetd -p 23",
        )
    }

    fn setup(policy: &str) -> (Catalogue, Policy) {
        let c = Catalogue::from_rules(&RuleSet::embedded()).unwrap();
        let p = Policy::parse(policy, "p.toml", &c).unwrap();
        (c, p)
    }

    fn status<'a>(v: &'a Verdict, id: &str) -> &'a str {
        &v.requirements.iter().find(|r| r.id == id).unwrap().status
    }

    #[test]
    fn no_findings_pass_and_untested_requirements_are_marked() {
        let (c, p) = setup("name = \"t\"\n");
        let mut r = report(vec![]);
        let j = judge(&mut r, &c, &p, date("2025-01-01"));
        assert_eq!(j.verdict.result.as_str(), "pass");
        assert_eq!(status(&j.verdict, "TS33117-4.3.2.1"), "pass");
        assert_eq!(status(&j.verdict, "TS33117-4.2.3.6"), "not-tested");
        // without [requirements], a policy judges what the image decides
        let image = c
            .requirements
            .iter()
            .filter(|r| r.method == Method::Image)
            .count();
        assert_eq!(j.verdict.requirements.len(), image);
        assert!(j.verdict.requirements.len() < c.requirements.len());
        assert_eq!(j.verdict.date.as_deref(), Some("2025-01-01"));
        assert_eq!(r.verdict.as_ref().unwrap().result.as_str(), "pass");
    }

    #[test]
    fn finding_at_threshold_fails_its_requirements() {
        let (c, p) = setup("name = \"t\"\n");
        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2025-01-01"));
        assert_eq!(j.verdict.result.as_str(), "fail");
        assert_eq!(
            r.findings[0].requirements,
            vec!["TS33117-4.3.2.1".to_string(), "EN303645-5.6-1".to_string()]
        );
        assert_eq!(status(&j.verdict, "TS33117-4.3.2.1"), "fail");
        assert_eq!(status(&j.verdict, "EN303645-5.6-1"), "fail");
        let rr = j
            .verdict
            .requirements
            .iter()
            .find(|x| x.id == "TS33117-4.3.2.1")
            .unwrap();
        assert_eq!(rr.findings, vec!["F0001".to_string()]);
        assert_eq!(rr.source.as_deref(), Some("3GPP TS 33.117 4.3.2.1"));
        assert_eq!(status(&j.verdict, "TS33117-4.3.2.6"), "pass");
    }

    #[test]
    fn below_threshold_is_conditional() {
        let (c, p) = setup("name = \"t\"\n[thresholds]\nfail = \"critical\"\n");
        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2025-01-01"));
        assert_eq!(j.verdict.result.as_str(), "conditional");
        assert_eq!(status(&j.verdict, "TS33117-4.3.2.1"), "pass");
        assert_eq!(j.below_threshold, vec!["F0001".to_string()]);
    }

    #[test]
    fn waiver_applies_until_expiry_then_fails() {
        let fp = telnet().fingerprint;
        let (c, p) = setup(&format!(
            "name = \"t\"\n[[waiver]]\nfingerprint = \"{fp}\"\nreason = \"factory VLAN only\"\nexpires = 2025-06-30\n"
        ));
        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2025-06-30"));
        assert_eq!(j.verdict.result.as_str(), "conditional");
        assert_eq!(status(&j.verdict, "TS33117-4.3.2.1"), "waived");
        assert_eq!(j.applied_waivers.len(), 1);
        assert_eq!(j.applied_waivers[0].reason, "factory VLAN only");
        let s = &r.summaries["certify"];
        assert_eq!(s["waived"][0]["fingerprint"], fp.as_str());

        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2025-07-01"));
        assert_eq!(j.verdict.result.as_str(), "fail");
        assert_eq!(j.expired_waivers.len(), 1);
        assert!(j.applied_waivers.is_empty());
        assert_eq!(
            r.summaries["certify"]["expired_waivers"][0]["expires"],
            "2025-06-30"
        );
    }

    #[test]
    fn waiver_for_one_requirement_leaves_the_others_failing() {
        let fp = telnet().fingerprint;
        let (c, p) = setup(&format!(
            "name = \"t\"\n[[waiver]]\nfingerprint = \"{fp}\"\nreason = \"r\"\nexpires = 2099-01-01\nrequirement = \"TS33117-4.3.2.1\"\n"
        ));
        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2025-01-01"));
        assert_eq!(status(&j.verdict, "TS33117-4.3.2.1"), "waived");
        assert_eq!(status(&j.verdict, "EN303645-5.6-1"), "fail");
        assert_eq!(j.verdict.result.as_str(), "fail");
    }

    #[test]
    fn excluded_requirements_do_not_judge() {
        let (c, p) = setup(
            "name = \"t\"\n[requirements]\nexclude = [\"TS33117-4.3.2.1\", \"EN303645-5.6-1\"]\n",
        );
        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2025-01-01"));
        assert_eq!(j.verdict.result.as_str(), "pass");
        assert!(r.findings[0].requirements.is_empty());
        assert!(!j
            .verdict
            .requirements
            .iter()
            .any(|x| x.id == "TS33117-4.3.2.1"));
        let s = j.summary(&r);
        assert_eq!(s["total"], 1);
        assert_eq!(s["by_severity"]["high"], 1);
        assert_eq!(s["by_kind"]["service.insecure"], 1);
    }

    fn default_password() -> Finding {
        Finding::new(
            kinds::CREDENTIAL_DEFAULT_PASSWORD,
            Severity::Critical,
            "root password is admin",
            Some("etc/shadow".into()),
            "root",
        )
    }

    fn result<'a>(v: &'a Verdict, id: &str) -> &'a RequirementResult {
        v.requirements.iter().find(|r| r.id == id).unwrap()
    }

    fn regime<'a>(v: &'a Verdict, id: &str) -> &'a RegimeVerdict {
        v.regimes.iter().find(|r| r.regime == id).unwrap()
    }

    #[test]
    fn clean_image_needs_evidence_for_partial_and_documentation() {
        let (c, p) = setup("name = \"t\"\n[requirements]\ninclude = [\"PSTI-*\"]\n");
        let mut r = report(vec![]);
        let j = judge(&mut r, &c, &p, date("2026-12-06"));
        // a clean scan never passes a partial requirement
        assert_eq!(status(&j.verdict, "PSTI-1"), "needs-evidence");
        assert_eq!(status(&j.verdict, "PSTI-2"), "needs-evidence");
        assert_eq!(status(&j.verdict, "PSTI-3"), "needs-evidence");
        assert_eq!(j.verdict.result.as_str(), "needs-evidence");
        let psti = regime(&j.verdict, "psti");
        assert_eq!(psti.result.as_str(), "needs-evidence");
        assert_eq!((psti.judged, psti.total), (3, 3));
        assert!(psti.in_force && psti.enforced);
        assert_eq!(psti.applies_from.as_deref(), Some("2024-04-29"));
        assert_eq!(psti.jurisdiction, "UK");
        assert_eq!(psti.counts["needs-evidence"], 3);
        let p1 = result(&j.verdict, "PSTI-1");
        assert_eq!(p1.method.as_deref(), Some("partial"));
        assert_eq!(p1.regime.as_deref(), Some("psti"));
        assert!(p1.enforced);
    }

    #[test]
    fn a_finding_fails_a_partial_requirement_without_evidence() {
        let (c, p) = setup("name = \"t\"\n[requirements]\ninclude = [\"PSTI-*\"]\n");
        let mut r = report(vec![default_password()]);
        let j = judge(&mut r, &c, &p, date("2026-12-06"));
        assert_eq!(status(&j.verdict, "PSTI-1"), "fail");
        assert_eq!(j.verdict.result.as_str(), "fail");
        assert_eq!(r.findings[0].requirements, vec!["PSTI-1".to_string()]);
        assert_eq!(regime(&j.verdict, "psti").result.as_str(), "fail");
    }

    #[test]
    fn evidence_decides_documentation_requirements_but_not_findings() {
        let (c, mut p) = setup("name = \"t\"\n[requirements]\ninclude = [\"PSTI-*\"]\n");
        let ev = "[[evidence]]\nrequirement = \"PSTI-1\"\nstatus = \"pass\"\nreference = \"per-device passwords printed on the label\"\ndate = 2026-11-01\n\
                  [[evidence]]\nrequirement = \"PSTI-2\"\nstatus = \"pass\"\nreference = \"security.txt on the vendor site\"\ndate = 2026-11-01\n\
                  [[evidence]]\nrequirement = \"PSTI-3\"\nstatus = \"fail\"\nreference = \"no support period published\"\ndate = 2026-11-01\nexpires = 2026-12-31\n";
        p.evidence = crate::evidence::Evidence::parse(ev, "ev.toml", &c, None).unwrap();
        let mut r = report(vec![]);
        let j = judge(&mut r, &c, &p, date("2026-12-06"));
        assert_eq!(status(&j.verdict, "PSTI-1"), "pass");
        assert_eq!(status(&j.verdict, "PSTI-2"), "pass");
        assert_eq!(status(&j.verdict, "PSTI-3"), "fail");
        assert_eq!(
            result(&j.verdict, "PSTI-2").evidence.as_deref(),
            Some("security.txt on the vendor site (ev.toml:7)")
        );
        assert_eq!(j.verdict.result.as_str(), "fail");
        // the failing evidence expired: back to needs-evidence
        let j = judge(&mut r, &c, &p, date("2027-01-01"));
        assert_eq!(status(&j.verdict, "PSTI-3"), "needs-evidence");
        assert_eq!(j.verdict.result.as_str(), "needs-evidence");
        // a default password found in the image fails PSTI-1 whatever the evidence says
        let mut r = report(vec![default_password()]);
        let j = judge(&mut r, &c, &p, date("2027-01-01"));
        assert_eq!(status(&j.verdict, "PSTI-1"), "fail");
    }

    #[test]
    fn not_applicable_evidence_takes_the_requirement_out() {
        let (c, mut p) = setup(
            "name = \"t\"\n[requirements]\ninclude = [\"EN18031-1-NMM-1\", \"EN18031-1-TCM-1\"]\n",
        );
        let ev = "[[evidence]]\nrequirement = \"EN18031-1-NMM-1\"\nstatus = \"not-applicable\"\nreference = \"not network equipment (risk assessment 4.2)\"\ndate = 2026-11-01\n\
                  [[evidence]]\nrequirement = \"EN18031-1-TCM-1\"\nstatus = \"not-applicable\"\nreference = \"not network equipment (risk assessment 4.2)\"\ndate = 2026-11-01\n";
        p.evidence = crate::evidence::Evidence::parse(ev, "ev.toml", &c, None).unwrap();
        let mut r = report(vec![]);
        let j = judge(&mut r, &c, &p, date("2026-12-06"));
        assert_eq!(status(&j.verdict, "EN18031-1-NMM-1"), "not-applicable");
        assert_eq!(j.verdict.result.as_str(), "pass");
        let red = regime(&j.verdict, "red");
        assert_eq!(red.counts["not-applicable"], 2);
        assert_eq!(red.judged, 2);
        assert!(red.total > 40, "{}", red.total);
    }

    #[test]
    fn regime_not_yet_applicable_is_reported_not_enforced() {
        let (c, p) = setup("name = \"t\"\n[requirements]\ninclude = [\"CRA-*\", \"PSTI-*\"]\n");
        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2026-12-06"));
        // CRA Annex I (2)(b): telnet at boot fails it, but Annex I applies from 2027-12-11
        let b = result(&j.verdict, "CRA-I-2b");
        assert_eq!(b.status, "fail");
        assert!(!b.enforced);
        assert_eq!(b.applies_from.as_deref(), Some("2027-12-11"));
        // Article 14 already applies (11 September 2026)
        let a14 = result(&j.verdict, "CRA-ART14");
        assert!(a14.enforced);
        assert_eq!(a14.applies_from.as_deref(), Some("2026-09-11"));
        let cra = regime(&j.verdict, "cra");
        assert_eq!(cra.result.as_str(), "fail");
        assert!(!cra.in_force);
        assert!(cra.enforced, "Article 14 is enforced");
        assert_eq!(cra.applies_from.as_deref(), Some("2026-09-11"));
        // the overall result only counts enforced requirements: PSTI and CRA Art. 14 need
        // evidence, the CRA Annex I failure is not yet enforced
        assert_eq!(j.verdict.result.as_str(), "needs-evidence");

        // after 11 December 2027 the failure counts
        let j = judge(&mut r, &c, &p, date("2027-12-11"));
        assert!(result(&j.verdict, "CRA-I-2b").enforced);
        assert_eq!(j.verdict.result.as_str(), "fail");
        assert!(regime(&j.verdict, "cra").in_force);
    }

    #[test]
    fn policy_can_enforce_a_regime_before_it_applies() {
        let (c, p) = setup(
            "name = \"t\"\n[requirements]\ninclude = [\"CRA-I-2b\"]\n[regimes]\nenforce_before_applicable = [\"cra\"]\n",
        );
        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2026-12-06"));
        assert!(result(&j.verdict, "CRA-I-2b").enforced);
        assert_eq!(j.verdict.result.as_str(), "fail");
        let cra = regime(&j.verdict, "cra");
        assert!(cra.enforced && !cra.in_force);
        assert_eq!((cra.judged, cra.total), (1, 24));
    }

    #[test]
    fn every_regime_has_its_document_metadata() {
        let c = Catalogue::from_rules(&RuleSet::embedded()).unwrap();
        for d in &c.documents {
            assert!(!d.document.is_empty(), "{} has no document", d.id);
            assert!(!d.status.is_empty(), "{} has no status", d.id);
            if d.regime != "netvet" {
                assert!(d.url.starts_with("https://"), "{} has no url", d.id);
                assert!(!d.jurisdiction.is_empty(), "{} has no jurisdiction", d.id);
            }
        }
        let dates: Vec<(&str, String)> = c
            .documents
            .iter()
            .filter_map(|d| Some((d.id.as_str(), d.applies_from?.to_string())))
            .collect();
        assert!(
            dates.contains(&("en18031-1", "2025-08-01".into())),
            "{dates:?}"
        );
        assert!(dates.contains(&("cra", "2027-12-11".into())), "{dates:?}");
        assert!(
            dates.contains(&("uk-psti", "2024-04-29".into())),
            "{dates:?}"
        );
        assert!(
            dates.contains(&("bsi-tr-03163", "2026-01-01".into())),
            "{dates:?}"
        );
        assert_eq!(
            c.regimes(),
            vec![
                "cra",
                "en303645",
                "en303645-v2",
                "netvet",
                "psti",
                "red",
                "tr03163",
                "ts33117"
            ]
        );
    }
}
