//! Component identification (SBOM) over an unpacked tree.
