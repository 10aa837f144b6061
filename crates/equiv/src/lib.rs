//! netvet-equiv: is the shipped image the one built from the reviewed source
//! ([`equiv::compare`]), and what changed between two releases ([`diff::diff`])?

pub mod diff;
pub mod elf;
pub mod equiv;
pub mod render;
pub mod timestamps;

pub use diff::{diff, ReleaseDiff};
pub use equiv::{compare, EquivReport, Verdict};
