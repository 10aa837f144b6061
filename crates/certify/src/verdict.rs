//! Findings x catalogue x policy -> verdict.
//!
//! For each requirement the policy applies, the findings of the kinds that violate it decide
//! its status:
//! * `fail`: at least one finding at or above the policy threshold and not waived;
//! * `waived`: findings at or above the threshold, all of them waived by unexpired waivers;
//! * `pass`: no finding at or above the threshold (findings below it are still listed);
//! * `not-tested`: netvet has no check for the requirement.
//!
//! The verdict is `fail` when any requirement fails, `conditional` when none fails but some
//! applicable requirement has findings (waived or below the threshold), `pass` otherwise.

use crate::catalogue::Catalogue;
use crate::policy::{Policy, Waiver};
use netvet_model::{Report, RequirementResult, Severity, Verdict};
use serde::Serialize;
use serde_json::json;

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

/// Judge `report` against `catalogue` and `policy` on date `today` (waiver expiry). Writes
/// the violated requirement ids into each finding, sets `report.verdict`, and records the
/// waivers used and expired under `report.summaries["certify"]`.
pub fn judge(
    report: &mut Report,
    catalogue: &Catalogue,
    policy: &Policy,
    today: time::Date,
) -> Judgement {
    let applicable: Vec<_> = catalogue
        .requirements
        .iter()
        .filter(|r| policy.applies(&r.id))
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
    let mut any_fail = false;
    let mut any_finding = false;
    for r in &applicable {
        let mut ids = Vec::new();
        let (mut failing, mut waived) = (false, false);
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
        let status = if !r.is_tested() {
            "not-tested"
        } else if failing {
            any_fail = true;
            "fail"
        } else if waived {
            "waived"
        } else {
            "pass"
        };
        results.push(RequirementResult {
            id: r.id.clone(),
            title: r.title.clone(),
            status: status.to_string(),
            findings: ids,
            source: Some(r.citation()),
        });
    }
    let result = if any_fail {
        "fail"
    } else if any_finding {
        "conditional"
    } else {
        "pass"
    };
    let verdict = Verdict {
        result: result.to_string(),
        policy: policy.name.clone(),
        requirements: results,
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
    report.summaries.insert(
        "certify".to_string(),
        json!({
            "policy": {"name": policy.name, "version": policy.version,
                       "origin": policy.origin, "sha256": policy.digest},
            "catalogue": {"version": catalogue.version, "sha256": catalogue.digest},
            "threshold": policy.fail_threshold.as_str(),
            "waived": judgement.applied_waivers,
            "expired_waivers": expired_json,
            "below_threshold": judgement.below_threshold,
        }),
    );
    judgement
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
        assert_eq!(j.verdict.result, "pass");
        assert_eq!(status(&j.verdict, "TS33117-4.3.2.1"), "pass");
        assert_eq!(status(&j.verdict, "TS33117-4.2.3.6"), "not-tested");
        assert_eq!(j.verdict.requirements.len(), c.requirements.len());
        assert_eq!(r.verdict.as_ref().unwrap().result, "pass");
    }

    #[test]
    fn finding_at_threshold_fails_its_requirements() {
        let (c, p) = setup("name = \"t\"\n");
        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2025-01-01"));
        assert_eq!(j.verdict.result, "fail");
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
        assert_eq!(j.verdict.result, "conditional");
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
        assert_eq!(j.verdict.result, "conditional");
        assert_eq!(status(&j.verdict, "TS33117-4.3.2.1"), "waived");
        assert_eq!(j.applied_waivers.len(), 1);
        assert_eq!(j.applied_waivers[0].reason, "factory VLAN only");
        let s = &r.summaries["certify"];
        assert_eq!(s["waived"][0]["fingerprint"], fp.as_str());

        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2025-07-01"));
        assert_eq!(j.verdict.result, "fail");
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
        assert_eq!(j.verdict.result, "fail");
    }

    #[test]
    fn excluded_requirements_do_not_judge() {
        let (c, p) = setup(
            "name = \"t\"\n[requirements]\nexclude = [\"TS33117-4.3.2.1\", \"EN303645-5.6-1\"]\n",
        );
        let mut r = report(vec![telnet()]);
        let j = judge(&mut r, &c, &p, date("2025-01-01"));
        assert_eq!(j.verdict.result, "pass");
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
}
