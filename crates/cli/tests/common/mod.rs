//! Helpers shared by the end-to-end tests of the `netvet` binary.
#![allow(dead_code)] // each test binary uses its own subset

use std::process::{Command, Output};

/// The `netvet` binary built for these tests. It never reads a vulnerability database from the
/// user's data directory (`NETVET_VULNDB=none`); tests that want one pass `--vulndb`.
pub fn netvet() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netvet"));
    c.env("NETVET_VULNDB", "none");
    c
}

/// The JSON a command printed on stdout (its stderr in the message when it is not JSON).
pub fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Assert the exit code of a finished command, its stderr in the message.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
