#!/usr/bin/env python3
"""Compare netvet's component identification with cve-bin-tool's on the corpus trees.

For each tree: run cve-bin-tool (offline, against a small local database seeded from the
corpus's real NVD records, its CycloneDX SBOM output listing every product it identified) and
`netvet scan --format cyclonedx`; time both (wall clock); report the components cve-bin-tool
finds, which of them netvet also knows (has a signature for), and whether netvet found each
of those with the same version.

  python3 -m venv /tmp/cbt && /tmp/cbt/bin/pip install cve-bin-tool
  /tmp/cbt/bin/python bench/sbom_vs_cve_bin_tool.py --netvet target/release/netvet \
      [--corpus ../shared/corpus]

cve-bin-tool runs with --offline -u never --disable-version-check and every data source
disabled; HOME points to a temporary directory so the user's cache is not touched. Its
SQLite checker fetches a version map on first load, so the seed writes an empty, fresh map
(cve-bin-tool then cannot name SQLite versions from source ids: that checker is handicapped).
"""
import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

TREES = ["rootfs/luxul-xbr4400/squashfs-root", "rootfs/phicomm-k2p/squashfs-root"]


def seed(home, records):
    """cve-bin-tool's cache: a CVE database with the given NVD records, and a fresh version map."""
    code = r'''
import json, sqlite3, sys, time
from cve_bin_tool.cvedb import CVEDB
db = CVEDB(sources=[], version_check=False)
db.dbpath.parent.mkdir(parents=True, exist_ok=True)
db.init_database()
cur = db.db_open_and_get_cursor()
for path in sys.argv[1:]:
    cve = json.load(open(path, encoding="utf-8"))
    score, sev, vec = 0, "UNKNOWN", ""
    for key in ("cvssMetricV31", "cvssMetricV30"):
        for m in (cve.get("metrics") or {}).get(key) or []:
            d = m["cvssData"]; score, sev, vec = d["baseScore"], d.get("baseSeverity", "UNKNOWN"), d["vectorString"]
            break
    cur.execute("INSERT OR REPLACE INTO cve_severity VALUES (?,?,?,?,?,?,?,?)",
                (cve["id"], sev, "", score, 3, vec, "NVD", cve.get("lastModified")))
    for c in cve.get("configurations") or []:
        for node in c.get("nodes") or []:
            for m in node.get("cpeMatch") or []:
                if m.get("vulnerable"):
                    p = m["criteria"].split(":")
                    cur.execute("INSERT INTO cve_range VALUES (?,?,?,?,?,?,?,?,?)",
                                (cve["id"], p[3], p[4], p[5], m.get("versionStartIncluding", ""),
                                 m.get("versionStartExcluding", ""), m.get("versionEndIncluding", ""),
                                 m.get("versionEndExcluding", ""), "NVD"))
db.connection.commit(); db.db_close()
vm = sqlite3.connect(db.dbpath.parent / "version_map.db")
vm.execute("CREATE TABLE IF NOT EXISTS sqlite(version TEXT, sourceId TEXT PRIMARY KEY)")
vm.execute("CREATE TABLE IF NOT EXISTS latest_update_sqlite (datestamp DATETIME PRIMARY KEY)")
vm.execute("DELETE FROM latest_update_sqlite")
vm.execute("INSERT INTO latest_update_sqlite VALUES (?)", (time.time(),))
vm.commit(); vm.close()
'''
    env = dict(os.environ, HOME=home)
    subprocess.run([sys.executable, "-c", code, *records], env=env, check=True)


def cdx_components(path):
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    out = []
    for c in doc.get("components", []):
        cpe = c.get("cpe") or ""
        parts = cpe.split(":")
        vendor, product = (parts[3], parts[4]) if len(parts) > 5 else ("", "")
        out.append({"name": c.get("name", "").lower(), "version": c.get("version", ""),
                    "vendor": vendor, "product": product})
    return out


def netvet_knows(signatures, c):
    """Does netvet have a signature for cve-bin-tool's component (by CPE product or name)?"""
    for s in signatures:
        if s["name"] == c["name"] or (c["product"] and s.get("product") == c["product"]) \
                or (s.get("product") and s["product"] == c["name"]):
            return s
    return None


def load_signatures(repo):
    import tomllib
    with open(os.path.join(repo, "rules/components/components.toml"), "rb") as f:
        comps = tomllib.load(f)["component"]
    out = []
    for c in comps:
        vendor, _, product = (c.get("cpe") or ":").partition(":")
        out.append({"name": c["name"], "vendor": vendor, "product": product})
    return out


def refines(a, b):
    """b continues a with more detail: 1.8 -> 1.8.20140523 (not 1.8 -> 1.80)."""
    return b != a and b.startswith(a) and not b[len(a):][:1].isdigit()


def run(cmd, env=None):
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    return time.perf_counter() - t, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--netvet", required=True)
    ap.add_argument("--corpus", default=os.path.join(os.path.dirname(__file__), "../../shared/corpus"))
    ap.add_argument("--cve-bin-tool", default=os.path.join(os.path.dirname(sys.executable), "cve-bin-tool"))
    a = ap.parse_args()
    repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    sigs = load_signatures(repo)
    vulndata = os.path.join(a.corpus, "vulndata")
    records = sorted(os.path.join(vulndata, f) for f in os.listdir(vulndata) if f.endswith(".json"))
    ok = True
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        seed(home, records)
        vdb = os.path.join(tmp, "vulndb.sqlite")
        subprocess.run([a.netvet, "db", "import", vulndata, "--vulndb", vdb], check=True,
                       capture_output=True)
        for rel in TREES:
            tree = os.path.join(a.corpus, rel)
            name = rel.split("/")[1]
            cbt_out = os.path.join(tmp, f"cbt-{name}.json")
            nv_out = os.path.join(tmp, f"netvet-{name}.json")
            t_cbt, r = run([a.cve_bin_tool, "--offline", "-u", "never", "--disable-version-check",
                            "--disable-validation-check", "-d",
                            "CURL,EPSS,GAD,NVD,OSV,PURL2CPE,REDHAT,RSD", "-f", "json",
                            "-o", os.path.join(tmp, f"cbt-{name}-cves.json"),
                            "--sbom-output", cbt_out, "--sbom-type", "cyclonedx",
                            "--sbom-format", "json", tree], env=dict(os.environ, HOME=home))
            if not os.path.exists(cbt_out):
                print(f"cve-bin-tool failed on {tree} (exit {r.returncode}):\n{r.stderr[-2000:]}")
                return 2
            t_nv, r = run([a.netvet, "scan", tree, "--format", "cyclonedx", "-o", nv_out, "-q",
                           "--crack-seconds", "0", "--vulndb", vdb])
            if r.returncode not in (0, 1):
                print(f"netvet failed on {tree}: {r.stderr}")
                return 2
            cbt = [c for c in cdx_components(cbt_out) if c["version"] and c["name"] != os.path.basename(tree)]
            nv = cdx_components(nv_out)
            both, missed, unknown = [], [], []
            for c in cbt:
                s = netvet_knows(sigs, c)
                if not s:
                    unknown.append(c)
                    continue
                same = [n for n in nv if n["name"] == s["name"] and n["version"] == c["version"]]
                # netvet may know the version more precisely (opkg's 1.8.20140523 for the
                # binary's "MiniUPnPd/1.8"): the same release, reported as such
                finer = [n for n in nv if n["name"] == s["name"] and refines(c["version"], n["version"])]
                if same:
                    both.append((c, s))
                elif finer:
                    c = dict(c, note=f"netvet: {finer[0]['version']}")
                    both.append((c, s))
                else:
                    missed.append((c, s))
            print(f"\n## {rel}")
            print(f"cve-bin-tool: {len(cbt)} components in {t_cbt:.2f} s; netvet: {len(nv)} components in {t_nv:.2f} s; speed-up {t_cbt / t_nv:.1f}x")
            for c, s in both:
                note = f" ({c['note']})" if c.get("note") else ""
                print(f"  both      {c['name']} {c['version']}{note}")
            for c, s in missed:
                print(f"  MISSED    {c['name']} {c['version']} (netvet signature {s['name']})")
                ok = False
            for c in unknown:
                print(f"  no netvet signature: {c['name']} {c['version']}")
            known_names = {s["name"] for _, s in both + missed}
            extra = sorted({f"{n['name']} {n['version']}" for n in nv if n["version"]
                            and n["name"] not in known_names})
            print(f"  netvet only ({len(extra)}): " + ", ".join(extra[:40]) + (" ..." if len(extra) > 40 else ""))
            rows.append((rel, len(cbt), len(both), len(missed), len(nv), t_cbt, t_nv))
            if t_cbt / t_nv < 20:
                ok = False
    print("\n| tree | cve-bin-tool components | found by netvet too | missed by netvet | netvet components | cve-bin-tool s | netvet s | speed-up |")
    print("|---|---|---|---|---|---|---|---|")
    for rel, n_cbt, n_both, n_missed, n_nv, t1, t2 in rows:
        print(f"| {rel} | {n_cbt} | {n_both} | {n_missed} | {n_nv} | {t1:.2f} | {t2:.2f} | {t1 / t2:.0f}x |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
