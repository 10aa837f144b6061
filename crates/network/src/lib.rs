//! netvet-network: supplier-risk assessment of an operator's network.
//!
//! Input: an inventory of deployed elements ([`inventory`]), a policy that gives each vendor a
//! risk tier and sets the rules ([`policy`]), and the certification status of deployed
//! firmware (a [`CertIndex`] built by the caller from verified attestations). Output: an
//! [`Assessment`] with per-domain concentration (shares, Herfindahl-Hirschman index) and
//! violations of the rules `forbid`, `max_share`, `min_vendors`, `uncertified` and
//! `attestation-mismatch`, `wrong-scheme`, plus an optional what-if removal of one vendor.
//! With dated rules (`[rules.deadline]`) and earlier inventories ([`history`]) it also
//! reports progress toward each deadline, element changes and a quarterly replacement plan.
//!
//! Nothing here names a real vendor: tiers are set by the user's policy.

pub mod assess;
pub mod certificates;
pub mod history;
pub mod inventory;
pub mod policy;
pub mod render;

pub use assess::{
    assess, assess_over_time, Assessment, CertIndex, CertRecord, DomainStats, Violation,
};
pub use history::{History, Plan, Progress};
pub use inventory::{Domain, Element, Inventory};
pub use policy::{Policy, Tier};

/// An input that cannot be used, naming the file and line.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{file}:{line}: {message}")]
    At {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    File { file: String, message: String },
}
