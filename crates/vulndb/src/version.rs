//! Versions: the order is netvet's one version order ([`netvet_model::version::compare`]).

pub use netvet_model::version::compare;

/// Whether `s` looks like a version at all (starts with a digit, has a digit run).
pub fn looks_like_version(s: &str) -> bool {
    s.as_bytes().first().is_some_and(|c| c.is_ascii_digit())
}
