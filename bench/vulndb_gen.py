#!/usr/bin/env python3
"""Generate a large NVD CVE API 2.0 data set with the shapes of the corpus's real records.

Each generated record copies a real record (metrics, weaknesses, configurations: exact
versions, ranges with including/excluding bounds, AND/running-on nodes) and renames its
CVE id and its vulnerable products. Products: the real ones (Linux kernel with a realistic
5,000 records, OpenSSL 400, BusyBox 100, ...) plus a long tail of synthetic products.

Usage: bench/vulndb_gen.py VULNDATA_DIR OUT_DIR [RECORDS=100000] [PER_FILE=2000]
Writes OUT_DIR/feeds/feed-NNN.json (NVD API 2.0 responses) and OUT_DIR/components.json
(200 components for the matching benchmark).
"""
import copy
import json
import os
import random
import sys

REAL = [("linux", "linux_kernel", "o", 5000), ("openssl", "openssl", "a", 400),
        ("busybox", "busybox", "a", 100), ("openbsd", "openssh", "a", 150),
        ("thekelleys", "dnsmasq", "a", 60), ("lighttpd", "lighttpd", "a", 40),
        ("haxx", "curl", "a", 150), ("tukaani", "xz", "a", 10),
        ("dropbear_ssh_project", "dropbear_ssh", "a", 30), ("uclibc", "uclibc", "a", 15),
        ("zlib", "zlib", "a", 10), ("php", "php", "a", 700)]


def version(rng):
    return f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 60)}"


def main():
    src, out = sys.argv[1], sys.argv[2]
    total = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    per_file = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    rng = random.Random(20240329)
    templates = [json.load(open(os.path.join(src, f), encoding="utf-8"))
                 for f in sorted(os.listdir(src)) if f.endswith(".json")]
    products = []
    for v, p, part, n in REAL:
        products += [(v, p, part)] * n
    tail = total - len(products)
    n_tail_products = max(1, tail // 45)
    for i in range(tail):
        k = rng.randrange(n_tail_products)
        products.append((f"vendor{k}", f"product{k}", "a"))
    rng.shuffle(products)
    feeds = os.path.join(out, "feeds")
    os.makedirs(feeds, exist_ok=True)
    batch, n_file = [], 0
    for i, (vendor, product, part) in enumerate(products):
        t = copy.deepcopy(rng.choice(templates))
        t["id"] = f"CVE-{2000 + i % 25}-{100000 + i}"
        t.pop("descriptions", None)
        for cfg in t.get("configurations", []):
            for node in cfg.get("nodes", []):
                for m in node.get("cpeMatch", []):
                    if not m.get("vulnerable"):
                        continue
                    f = m["criteria"].split(":")
                    f[2], f[3], f[4] = part, vendor, product
                    if f[5] not in ("*", "-"):
                        f[5] = version(rng)
                    m["criteria"] = ":".join(f)
                    for key in ("versionStartIncluding", "versionStartExcluding"):
                        if key in m:
                            m[key] = version(rng)
                    for key in ("versionEndIncluding", "versionEndExcluding"):
                        if key in m:
                            m[key] = version(rng)
        batch.append({"cve": t})
        if len(batch) == per_file or i == len(products) - 1:
            with open(os.path.join(feeds, f"feed-{n_file:03}.json"), "w", encoding="utf-8") as fh:
                json.dump({"resultsPerPage": len(batch), "startIndex": 0, "totalResults": len(batch),
                           "format": "NVD_CVE", "version": "2.0", "vulnerabilities": batch}, fh)
            batch, n_file = [], n_file + 1
    comps = [{"vendor": v, "product": p, "part": part, "version": version(rng)} for v, p, part, _ in REAL]
    k = 0
    while len(comps) < 200:
        comps.append({"vendor": f"vendor{k}", "product": f"product{k}", "part": "a", "version": version(rng)})
        k += 1
    with open(os.path.join(out, "components.json"), "w", encoding="utf-8") as fh:
        json.dump(comps, fh)
    print(f"{len(products)} records in {n_file} feeds, {len(comps)} components, {n_tail_products} tail products")


if __name__ == "__main__":
    main()
