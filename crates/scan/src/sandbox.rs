//! File-system sandbox: after opening its inputs, netvet may only write beneath its private
//! temporary directory and the `--extract-to` directory (Linux Landlock). Reading stays
//! allowed. Applied before any worker thread starts, so every thread inherits it.

use std::path::Path;

/// Outcome of applying the sandbox, as reported in `unpack.sandbox`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SandboxStatus {
    /// The kernel enforces every requested restriction.
    Enforced,
    /// The kernel enforces some restrictions (an older Landlock ABI).
    PartiallyEnforced,
    /// The kernel has no Landlock (or it is disabled): writes are not restricted.
    NotEnforced(String),
}

impl SandboxStatus {
    pub fn as_report(&self) -> String {
        match self {
            SandboxStatus::Enforced => {
                "enforced: writes restricted to the private temporary and --extract-to directories"
                    .into()
            }
            SandboxStatus::PartiallyEnforced => "partially enforced (older Landlock ABI)".into(),
            SandboxStatus::NotEnforced(why) => format!("not enforced: {why}"),
        }
    }
}

/// Restrict file-system writes of the calling thread (and threads it starts later) to
/// `writable` directories.
#[cfg(target_os = "linux")]
pub fn restrict_writes(writable: &[&Path]) -> SandboxStatus {
    use landlock::{
        path_beneath_rules, AccessFs, Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, ABI,
    };
    let abi = ABI::V3;
    let write = AccessFs::from_write(abi);
    let res = (|| -> Result<RulesetStatus, landlock::RulesetError> {
        let status = Ruleset::default()
            .handle_access(write)?
            .create()?
            .add_rules(path_beneath_rules(writable, write))?
            // /dev/null and the terminal stay writable for progress output
            .add_rules(path_beneath_rules(
                ["/dev/null", "/dev/tty"],
                AccessFs::WriteFile,
            ))?
            .restrict_self()?;
        Ok(status.ruleset)
    })();
    match res {
        Ok(RulesetStatus::FullyEnforced) => SandboxStatus::Enforced,
        Ok(RulesetStatus::PartiallyEnforced) => SandboxStatus::PartiallyEnforced,
        Ok(RulesetStatus::NotEnforced) => {
            SandboxStatus::NotEnforced("the kernel does not support Landlock".into())
        }
        Err(e) => SandboxStatus::NotEnforced(e.to_string()),
    }
}

#[cfg(not(target_os = "linux"))]
pub fn restrict_writes(_writable: &[&Path]) -> SandboxStatus {
    SandboxStatus::NotEnforced("Landlock is Linux-only".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_outside_are_refused_where_landlock_works() {
        let allowed = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        // a test thread of its own: Landlock restricts only this thread
        let (a, o) = (allowed.path().to_path_buf(), outside.path().to_path_buf());
        let (status, inside_ok, outside_err) = std::thread::spawn(move || {
            let st = restrict_writes(&[&a]);
            let inside = std::fs::write(a.join("ok.txt"), b"x").is_ok();
            let out = std::fs::write(o.join("escape.txt"), b"x");
            (st, inside, out)
        })
        .join()
        .unwrap();
        assert!(inside_ok);
        match status {
            SandboxStatus::Enforced | SandboxStatus::PartiallyEnforced => {
                let e = outside_err.expect_err("write outside must be refused");
                assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
                assert!(!outside.path().join("escape.txt").exists());
            }
            SandboxStatus::NotEnforced(why) => {
                eprintln!("note: Landlock not available here ({why}); write refusal not testable");
                assert!(outside_err.is_ok());
            }
        }
    }
}
