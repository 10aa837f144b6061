#!/usr/bin/env python3
"""Validate netvet's CycloneDX and SPDX output against the official schemas.

CycloneDX: the JSON schema shipped in the `cyclonedx-python-lib` package (strict 1.5
validator). SPDX: the `spdx-tools` package's parser and full SPDX 2.3 validation.

  pip install 'cyclonedx-python-lib[json-validation]' spdx-tools
  scripts/validate-sbom.py --netvet target/debug/netvet DIR_OR_IMAGE...   # scan, then validate
  scripts/validate-sbom.py FILE.json...                                   # validate files

Exit status 0 when every document is valid.
"""
import json
import os
import subprocess
import sys
import tempfile


def validate_cyclonedx(path):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    with open(path, encoding="utf-8") as f:
        text = f.read()
    spec = json.loads(text).get("specVersion", "1.5")
    version = {"1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6}[spec]
    err = JsonStrictValidator(version).validate_str(text)
    return [str(err).splitlines()[0]] if err else []


def validate_spdx(path):
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    from spdx_tools.spdx.parser.error import SPDXParsingError

    try:
        doc = parse_file(path)
    except SPDXParsingError as e:
        return [str(m) for m in e.get_messages()]
    return [m.validation_message for m in validate_full_spdx_document(doc)]


def validate(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    if doc.get("bomFormat") == "CycloneDX":
        kind, errors = "CycloneDX " + doc.get("specVersion", "?"), validate_cyclonedx(path)
        counts = f"{len(doc.get('components', []))} components, {len(doc.get('vulnerabilities', []))} vulnerabilities"
    elif str(doc.get("spdxVersion", "")).startswith("SPDX-"):
        kind, errors = doc["spdxVersion"], validate_spdx(path)
        counts = f"{len(doc.get('packages', []))} packages"
    else:
        return [f"{path}: neither CycloneDX nor SPDX"]
    status = "valid" if not errors else "INVALID"
    print(f"{path}: {kind} {status} ({counts})")
    return [f"{path}: {e}" for e in errors]


def main(argv):
    errors = []
    if argv and argv[0] == "--netvet":
        if len(argv) < 3:
            sys.exit(__doc__)
        netvet, inputs = argv[1], argv[2:]
        with tempfile.TemporaryDirectory() as tmp:
            for i, inp in enumerate(inputs):
                for fmt in ("cyclonedx", "spdx"):
                    out = os.path.join(tmp, f"{i}.{fmt}.json")
                    r = subprocess.run([netvet, "scan", inp, "--format", fmt, "-o", out, "-q"],
                                       capture_output=True, text=True)
                    if r.returncode not in (0, 1):
                        errors.append(f"netvet scan {inp} --format {fmt}: exit {r.returncode}: {r.stderr.strip()}")
                        continue
                    errors += validate(out)
    else:
        if not argv:
            sys.exit(__doc__)
        for p in argv:
            errors += validate(p)
    for e in errors:
        print(e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
