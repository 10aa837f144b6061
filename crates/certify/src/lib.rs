//! Requirement catalogue, policy, verdicts and signed attestations.
