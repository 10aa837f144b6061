#!/usr/bin/env python3
"""Turn public default-credential lists into netvet's vendor dictionary
(rules/credentials/30-vendor-defaults.tsv).

Inputs (download them first; nothing is fetched here):

  --defaultcreds FILE   DefaultCreds-cheat-sheet database (ihebski/DefaultCreds-cheat-sheet,
                        MIT): the `DefaultCreds_db.json` shipped in the PyPI package
                        `defaultcreds-cheat-sheet` (`pip download --no-deps
                        defaultcreds-cheat-sheet`, unzip the wheel), or the repository's
                        `DefaultCreds-Cheat-Sheet.csv` (columns product,username,password).
                        Source id: defaultcreds.
  --seclists-csv FILE   SecLists Passwords/Default-Credentials/default-passwords.csv
                        (danielmiessler/SecLists, MIT; columns Vendor,Username,Password,
                        Comments). Source id: seclists-default.
  --seclists-pairs FILE SecLists `user:password` lists (ssh-, telnet-,
                        ftp-betterdefaultpasslist.txt); repeatable. Vendor `*`.
                        Source id: seclists-<ssh|telnet|ftp>.
  --seclists-words FILE SecLists one-per-line word lists of default passwords and user names
                        (Routers/0ALL-USERNAMES-AND-PASSWORDS.txt: every user name and
                        password of the per-vendor router lists of Passwords/Default-Credentials/
                        Routers/); every word is tried as a password of any account. Vendor and
                        user `*`. Source id: seclists-routers.
  --merge TSV           an earlier output of this script (rules/credentials/30-vendor-defaults.tsv):
                        its lines are kept with their source ids, and the other inputs are added
                        to them. For adding one source without downloading all the others again.
  --mirai-scanner FILE:ID
                        a Mirai-family bot/scanner.c; its `add_auth_entry` table is decoded
                        (bytes XOR 0x22, the table key of the released source; the comments
                        are not trusted). Vendor `*`. Source id ID (must be in sources.tsv).

Output: `vendor<TAB>user<TAB>password<TAB>sources` lines, sorted by vendor, user, password,
deduplicated on (vendor, user, password) with the source ids merged. Vendor is the first word
of the product name, lowercased (`apc network management card (web)` -> `apc`); `*` is any
vendor or any user. Entries that are descriptions rather than passwords (`(random
password)`, `serial number of the unit`, `<BLANK>`) are dropped: the credentials analyzer
checks empty passwords by itself.

Usage:
  scripts/import-credentials.py --defaultcreds DefaultCreds_db.json \
      --seclists-pairs ssh-betterdefaultpasslist.txt ... > rules/credentials/30-vendor-defaults.tsv
  scripts/import-credentials.py ... --counts    # entries per source, for the README
"""
import argparse
import csv
import json
import re
import sys
from collections import defaultdict

BLANK = {"<blank>", "<n/a>", "n/a", "(none)", "none", "<none>", "(any)", "any", "blank",
         "(blank)", "<empty>", "(empty)", ""}
NOT_PASSWORD = re.compile(
    r"^\(.*\)$|^<.*>$|serial|mac address|random|calculated|caclulated|same as|see |"
    r"the same|printed|sticker|label|varies|last \d|\bunit\b|\bof the\b", re.I)


def clean_user(u):
    u = (u or "").strip()
    if u.lower() in BLANK or any(c.isspace() for c in u) or len(u) > 64:
        return "*"
    return u


def clean_password(p):
    p = (p or "").strip()
    if p.lower() in {"<blank>", "<n/a>", "n/a", "(none)", "<none>", "(blank)", "<empty>", ""}:
        return None
    if NOT_PASSWORD.search(p) or len(p) > 64 or len(p.split()) > 2:
        return None
    if any(ord(c) < 0x20 or ord(c) > 0x7e for c in p):
        return None
    return p


def vendor_key(product):
    p = re.sub(r"\(.*?\)", " ", (product or "").lower())
    words = re.findall(r"[a-z0-9][a-z0-9&._+-]*", p)
    if not words:
        return "*"
    return words[0].strip("._-") or "*"


class Table:
    def __init__(self):
        self.rows = defaultdict(set)  # (vendor, user, password) -> sources
        self.per_source = defaultdict(int)  # source -> entries read (after cleaning)

    def add(self, vendor, user, password, source):
        password = clean_password(password)
        if password is None:
            return
        user = clean_user(user)
        key = (vendor, user, password)
        if source not in self.rows[key]:
            self.per_source[source] += 1
        self.rows[key].add(source)


def read_defaultcreds(t, path):
    if path.endswith(".json"):
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        rows = doc.get("_default", doc).values()
        items = [(r.get("product"), r.get("username"), r.get("password")) for r in rows]
    else:
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            items = [(r[0], r[1], r[2]) for r in csv.reader(f) if len(r) >= 3]
    for product, user, password in items:
        if (product or "").lower() in {"productvendor", "product", "vendor"}:
            continue  # header row
        t.add(vendor_key(product), user, password, "defaultcreds")


def read_seclists_csv(t, path):
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        for r in csv.DictReader(f):
            t.add(vendor_key(r.get("Vendor")), r.get("Username"), r.get("Password"),
                  "seclists-default")


def read_words(t, path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            word = line.rstrip("\r\n").strip()
            if word.lower() in NOT_A_WORD:
                continue
            t.add("*", "*", word, "seclists-routers")


# placeholders of the router lists that are not passwords
NOT_A_WORD = {"nologin", "serialnumber", "unknown"}


def read_merge(t, path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if not line or line.startswith("#"):
                continue
            cells = line.split("\t")
            if len(cells) != 4:
                sys.exit(f"{path}: not vendor<TAB>user<TAB>password<TAB>sources: {line!r}")
            vendor, user, password, sources = cells
            for source in sources.split(","):
                key = (vendor, user, password)
                if source not in t.rows[key]:
                    t.per_source[source] += 1
                t.rows[key].add(source)


def read_pairs(t, path):
    name = path.rsplit("/", 1)[-1]
    kind = name.split("-", 1)[0]
    source = f"seclists-{kind}"
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            if ":" not in line:
                continue
            user, password = line.split(":", 1)
            t.add("*", user.strip(), password.strip(), source)


ENTRY = re.compile(r'^\s*add_auth_entry\(\s*"((?:\\x[0-9A-Fa-f]{2})*)"\s*,\s*"((?:\\x[0-9A-Fa-f]{2})*)"')


def decode(s):
    return "".join(chr(int(h, 16) ^ 0x22) for h in re.findall(r"\\x([0-9A-Fa-f]{2})", s))


def read_mirai(t, spec):
    path, source = spec.rsplit(":", 1)
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = ENTRY.match(line)  # commented-out entries (//add_auth_entry) do not match
            if m:
                t.add("*", decode(m.group(1)), decode(m.group(2)), source)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--defaultcreds", action="append", default=[])
    ap.add_argument("--seclists-csv", action="append", default=[])
    ap.add_argument("--seclists-pairs", action="append", default=[])
    ap.add_argument("--seclists-words", action="append", default=[])
    ap.add_argument("--merge", action="append", default=[])
    ap.add_argument("--mirai-scanner", action="append", default=[])
    ap.add_argument("--counts", action="store_true",
                    help="print entries per source instead of the table")
    a = ap.parse_args()
    t = Table()
    for p in a.defaultcreds:
        read_defaultcreds(t, p)
    for p in a.seclists_csv:
        read_seclists_csv(t, p)
    for p in a.seclists_pairs:
        read_pairs(t, p)
    for p in a.seclists_words:
        read_words(t, p)
    for p in a.mirai_scanner:
        read_mirai(t, p)
    for p in a.merge:
        read_merge(t, p)
    if not t.rows:
        sys.exit("no entries read: give at least one input list")
    if a.counts:
        for s in sorted(t.per_source):
            print(f"{s}\t{t.per_source[s]}")
        print(f"distinct\t{len(t.rows)}")
        print(f"distinct-passwords\t{len({k[2] for k in t.rows})}")
        return
    out = sys.stdout
    out.write("# Vendor default credentials imported from public lists by "
              "scripts/import-credentials.py;\n")
    out.write("# regenerate instead of editing. Columns: vendor <TAB> user <TAB> password "
              "<TAB> source ids\n")
    out.write("# (see sources.tsv). Vendor and user `*`: any. Ranked at load time by how many "
              "vendors list the password.\n")
    for (vendor, user, password) in sorted(t.rows, key=lambda k: (k[0], k[1].lower(), k[1], k[2])):
        if "\t" in password or "\t" in user:
            continue
        out.write(f"{vendor}\t{user}\t{password}\t{','.join(sorted(t.rows[(vendor, user, password)]))}\n")


if __name__ == "__main__":
    main()
