#!/usr/bin/env python3
"""Validate netvet's SBOM and VEX output against the official schemas.

CycloneDX 1.5 / 1.6 (SBOM and VEX): the CycloneDX project's strict JSON validator from the
`cyclonedx-python-lib` package (it ships the official schemas).
SPDX 2.3: the SPDX project's `spdx-tools` package (parser and full 2.3 validation).
SPDX 3.0.1: `spdx-tools` does not validate SPDX 3.0.1 JSON-LD, so the document is validated
with `jsonschema` (installed with cyclonedx-python-lib[json-validation]) against the official
SPDX 3.0.1 JSON schema committed in crates/report/tests/data/ (see the README there), plus a
check that every element a document refers to is defined in it (which a JSON schema cannot
express).

  pip install 'cyclonedx-python-lib[json-validation]' spdx-tools
  scripts/validate-sbom.py --netvet target/debug/netvet DIR_OR_IMAGE...   # scan, then validate
  scripts/validate-sbom.py FILE.json...                                   # validate files
  scripts/validate-sbom.py --self-test FILE.json...                       # must reject broken copies

With --netvet every input is scanned in each format (cyclonedx, cyclonedx-1.5, vex, spdx,
spdx-2.3), every document is validated, and then the self-test runs on the documents of the
first input: deliberately broken copies of each must be rejected, so that a validator that
accepts anything fails the run instead of passing it.

Exit status 0 when every document is valid (and every broken copy invalid).
"""
import copy
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SPDX3_SCHEMA = os.path.join(HERE, "..", "crates", "report", "tests", "data",
                            "spdx-json-schema-3.0.1.json")
SPDX3_CONTEXT = "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"
FORMATS = ("cyclonedx", "cyclonedx-1.5", "vex", "spdx", "spdx-2.3")


def validate_cyclonedx(doc):
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    spec = doc.get("specVersion", "?")
    versions = {"1.5": SchemaVersion.V1_5, "1.6": SchemaVersion.V1_6}
    if spec not in versions:
        return [f"specVersion {spec!r} is not 1.5 or 1.6"]
    err = JsonStrictValidator(versions[spec]).validate_str(json.dumps(doc))
    return [str(err).splitlines()[0]] if err else []


def validate_spdx2(doc):
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    with tempfile.NamedTemporaryFile("w", suffix=".spdx.json", delete=False) as f:
        json.dump(doc, f)
        path = f.name
    try:
        parsed = parse_file(path)
    except SPDXParsingError as e:
        return [str(m) for m in e.get_messages()]
    finally:
        os.unlink(path)
    return [m.validation_message for m in validate_full_spdx_document(parsed)]


_spdx3_validator = None


def validate_spdx3(doc):
    global _spdx3_validator
    import jsonschema

    if _spdx3_validator is None:
        with open(SPDX3_SCHEMA, encoding="utf-8") as f:
            schema = json.load(f)
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _spdx3_validator = cls(schema)
    errors = [f"{e.json_path}: {e.message[:300]}" for e in _spdx3_validator.iter_errors(doc)]
    # references: every IRI or blank node an element points at is defined in the graph
    graph = doc.get("@graph", []) if isinstance(doc, dict) else []
    defined = {e.get("spdxId") or e.get("@id") for e in graph if isinstance(e, dict)}
    for e in graph:
        if not isinstance(e, dict):
            continue
        refs = []
        for key in ("from", "creationInfo"):
            if isinstance(e.get(key), str):
                refs.append(e[key])
        for key in ("to", "rootElement", "element", "createdBy", "createdUsing"):
            if isinstance(e.get(key), list):
                refs += [r for r in e[key] if isinstance(r, str)]
        for r in refs:
            if r not in defined:
                errors.append(f"{e.get('spdxId') or e.get('@id')}: refers to undefined {r}")
    return errors[:50]


def kind_of(doc):
    if not isinstance(doc, dict):
        return None
    if doc.get("bomFormat") == "CycloneDX":
        return "cyclonedx"
    if str(doc.get("spdxVersion", "")).startswith("SPDX-2"):
        return "spdx2"
    if doc.get("@context") == SPDX3_CONTEXT or "@graph" in doc:
        return "spdx3"
    return None


def validate_doc(doc):
    kind = kind_of(doc)
    if kind == "cyclonedx":
        return validate_cyclonedx(doc)
    if kind == "spdx2":
        return validate_spdx2(doc)
    if kind == "spdx3":
        return validate_spdx3(doc)
    return ["neither CycloneDX nor SPDX"]


def describe(doc):
    kind = kind_of(doc)
    if kind == "cyclonedx":
        vex = any("analysis" in v for v in doc.get("vulnerabilities", []))
        return (f"CycloneDX {doc.get('specVersion')}{' VEX' if vex else ''} "
                f"({len(doc.get('components', []))} components, "
                f"{len(doc.get('vulnerabilities', []))} vulnerabilities)")
    if kind == "spdx2":
        return f"{doc['spdxVersion']} ({len(doc.get('packages', []))} packages)"
    if kind == "spdx3":
        graph = doc.get("@graph", [])
        n = sum(1 for e in graph if e.get("type") == "software_Package")
        v = sum(1 for e in graph if e.get("type") == "security_Vulnerability")
        return f"SPDX 3.0.1 JSON-LD ({n} packages, {v} vulnerabilities)"
    return "unknown document"


def validate(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    errors = validate_doc(doc)
    print(f"{path}: {describe(doc)} {'valid' if not errors else 'INVALID'}")
    return [f"{path}: {e}" for e in errors]


def broken_copies(doc):
    """Deliberately invalid variants of a valid document: (what, document)."""
    out = []
    kind = kind_of(doc)
    if kind == "cyclonedx":
        d = copy.deepcopy(doc)
        d["components"] = [{"type": "gadget", "name": "x"}]
        out.append(("component of an unknown type", d))
        d = copy.deepcopy(doc)
        d["serialNumber"] = "not-a-urn"
        out.append(("serial number that is not a urn:uuid", d))
        d = copy.deepcopy(doc)
        d["vulnerabilities"] = [{"id": "CVE-2000-0001", "analysis": {"state": "fine"}}]
        out.append(("VEX analysis state that does not exist", d))
    elif kind == "spdx2":
        d = copy.deepcopy(doc)
        d["SPDXID"] = "DOCUMENT"
        out.append(("document SPDXID without SPDXRef-", d))
        d = copy.deepcopy(doc)
        del d["packages"][0]["downloadLocation"]
        out.append(("package without downloadLocation", d))
    elif kind == "spdx3":
        d = copy.deepcopy(doc)
        d["@context"] = "https://spdx.org/rdf/3.0.0/spdx-context.jsonld"
        out.append(("SPDX 3.0.0 context", d))
        d = copy.deepcopy(doc)
        for e in d["@graph"]:
            if e.get("type") == "software_Package":
                e["software_primaryPurpose"] = "router"
                break
        out.append(("primary purpose that does not exist", d))
        d = copy.deepcopy(doc)
        for e in d["@graph"]:
            if e.get("type") == "Relationship":
                e["to"] = ["https://example.invalid/undefined"]
                break
        out.append(("relationship to an undefined element", d))
    return out


def self_test(paths):
    errors = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            doc = json.load(f)
        for what, bad in broken_copies(doc):
            if validate_doc(bad):
                print(f"{p}: broken copy ({what}) rejected, as it must be")
            else:
                errors.append(f"{p}: the validator ACCEPTED a broken copy ({what})")
    return errors


def main(argv):
    errors = []
    if argv and argv[0] == "--netvet":
        if len(argv) < 3:
            sys.exit(__doc__)
        netvet, inputs = argv[1], argv[2:]
        with tempfile.TemporaryDirectory() as tmp:
            first = []
            for i, inp in enumerate(inputs):
                for fmt in FORMATS:
                    out = os.path.join(tmp, f"{i}.{fmt}.json")
                    r = subprocess.run([netvet, "scan", inp, "--format", fmt, "-o", out, "-q"],
                                       capture_output=True, text=True)
                    if r.returncode not in (0, 1):
                        errors.append(f"netvet scan {inp} --format {fmt}: exit {r.returncode}: {r.stderr.strip()}")
                        continue
                    errors += validate(out)
                    if i == 0:
                        first.append(out)
            errors += self_test(first)
    elif argv and argv[0] == "--self-test":
        if len(argv) < 2:
            sys.exit(__doc__)
        errors += self_test(argv[1:])
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
