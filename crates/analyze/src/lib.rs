//! Analyzers that find credentials, keys, backdoors, insecure services and weak binaries in an unpacked tree.
