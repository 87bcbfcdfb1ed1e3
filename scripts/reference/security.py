#!/usr/bin/env python3
"""Reference fixture generator for the SecuritySupervisor tests.

What it checks, and where each answer comes from:

* debian_versions: pairs of Debian package versions ordered exactly as
  `dpkg --compare-versions` orders them (dpkg is the truth; order is -1, 0
  or 1 for a < b, a == b, a > b). The pairs cover epochs, tildes, missing
  revision vs `-0`, letters vs digits vs `+`/`.`, leading zeros, numbers
  longer than 64 bits, hyphens in the upstream part, the Debian versions in
  the OSV fixtures under /work/shared/fixtures/osv/, and 40 versions
  installed on this machine (`dpkg-query -W`), each paired with four
  mutations (digit bump, `~x`, `+b1`, epoch change).
* debian_invalid: strings that `dpkg --validate-version` rejects, with
  dpkg's own message. dpkg has two levels: "error" (the version cannot be
  parsed at all; `--compare-versions` exits 2) and "warning" (bad syntax,
  but `--compare-versions` still compares it).
  debian_accepted_oddities: strings that look wrong but that dpkg accepts.
  debian_empty_string: "" fails --validate-version, yet --compare-versions
  takes it as "no version", below every real version.
* semver / semver_invalid: SemVer 2.0.0 precedence from the PyPI `semver`
  package (`semver.Version.parse(a).compare(b)`; build metadata is ignored),
  and strings that package rejects.
* cvss31 / cvss_invalid / cvss_accepted_noncanonical: CVSS v3.1 base score
  and severity from the PyPI `cvss` package (`CVSS3(v).scores()[0]`,
  `.severities()[0]`), for the OSV fixtures' CVSS_V3 vectors, the FIRST
  v3.1 example vectors (recalled; the expected scores are checked), every
  base vector whose unrounded score lands on an x.x0 boundary once the v3.1
  Roundup function has rounded it to 5 decimals, or within 0.001 of one
  (either side), and a seeded random sample of the 2592 base vectors;
  plus vectors the library rejects and non-canonical vectors it accepts.

Each table is also checked against a small independent implementation
written here from the specifications; the summary prints any disagreement.

Versions used to generate the committed fixture: Python 3.11.7,
dpkg 1.21.22 (Debian 12), semver 3.1.2, cvss 3.6.

Run from the repository root (pip install semver==3.1.2 cvss==3.6 first):

    python3 scripts/reference/security.py

It writes Tests/SecuritySupervisorTests/Fixtures/security_reference.json.
The output is deterministic for a given machine (fixed seeds); the sample
of installed Debian versions changes only if the installed packages change.
"""

import glob
import itertools
import json
import math
import os
import random
import re
import subprocess
import sys

import cvss
import semver

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests/SecuritySupervisorTests/Fixtures/security_reference.json")
OSV_DIR = "/work/shared/fixtures/osv"
SEED = 20240611


def package_version(name):
    from importlib.metadata import version
    return version(name)


# --------------------------------------------------------------------------
# Debian versions: dpkg is the truth.

def dpkg(*args):
    p = subprocess.run(["dpkg", *args], capture_output=True)  # bytes: keep a "\r" as is
    return p.returncode, p.stderr.decode("utf-8").strip()


def dpkg_validate(v):
    """(returncode, message) of `dpkg --validate-version`."""
    return dpkg("--validate-version", "--", v)


def dpkg_order(a, b):
    for op, result in (("lt", -1), ("eq", 0), ("gt", 1)):
        rc, err = dpkg("--compare-versions", "--", a, op, b)
        if rc not in (0, 1) or err:
            raise RuntimeError(f"dpkg failed on {a!r} {op} {b!r}: {err}")
        if rc == 0:
            return result
    raise RuntimeError(f"dpkg gave no order for {a!r} vs {b!r}")


def deb_char_weight(c):
    # '~' before everything, then end of part / digit, then letters, then the rest.
    if c == "~":
        return -1
    if c == "" or c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def deb_part_cmp(a, b):
    """Independent cross-check of dpkg's upstream/revision comparison."""
    while a or b:
        na = re.match(r"[^0-9]*", a).group()
        nb = re.match(r"[^0-9]*", b).group()
        for i in range(max(len(na), len(nb))):
            wa = deb_char_weight(na[i] if i < len(na) else "")
            wb = deb_char_weight(nb[i] if i < len(nb) else "")
            if wa != wb:
                return -1 if wa < wb else 1
        a, b = a[len(na):], b[len(nb):]
        da = re.match(r"[0-9]*", a).group()
        db = re.match(r"[0-9]*", b).group()
        ia, ib = int(da or 0), int(db or 0)
        if ia != ib:
            return -1 if ia < ib else 1
        a, b = a[len(da):], b[len(db):]
    return 0


def deb_split(v):
    v = v.strip()
    epoch, _, rest = v.partition(":") if ":" in v else ("0", "", v)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "")
    return int(epoch), upstream, revision


def deb_order(a, b):
    ea, ua, ra = deb_split(a)
    eb, ub, rb = deb_split(b)
    if ea != eb:
        return -1 if ea < eb else 1
    return deb_part_cmp(ua, ub) or deb_part_cmp(ra, rb)


DEBIAN_HANDWRITTEN = {
    "epoch": [
        ("1:1.2.8.dfsg-2+deb8u3", "1.2.13.dfsg-1"), ("0:1.0", "1.0"), ("1:1.0", "1.0"),
        ("1:0.1", "9.9"), ("1:1.0", "2:0.1"), ("2:1.0", "10:1.0"), ("00:1.0", "0:1.0"),
        ("01:1.0", "1:1.0"), ("2147483647:1.0", "1:99"), ("1:1.2.13.dfsg-1", "1:1.2.8.dfsg-5+deb9u2"),
        ("1:1:1.0", "1:1.0"), ("1:1:1.0", "1:1.0:1"), ("0:1.0-1", "1.0-1"),
    ],
    "tilde": [
        ("1.1.0l-1~deb9u9", "1.1.0l-1"), ("1.0~rc1", "1.0"), ("1.0~~", "1.0~"),
        ("1.0~~a", "1.0~~"), ("1.0~", "1.0"), ("1.0~rc1", "1.0~rc2"), ("1.0~beta", "1.0~rc"),
        ("1.0~rc1-1", "1.0-1"), ("1.0-1~", "1.0-1"), ("1.0~", "1.0~a"), ("1.0~~", "1.0~~~"),
        ("0~", "0"), ("1.0~rc1", "1.0~rc1"), ("1.0~~", "1.0~~"), ("1.0~1", "1.0~a"),
        ("1.0-~", "1.0"), ("1.0-1~bpo12+1", "1.0-1"), ("1.0-1~bpo12+1", "1.0-0"),
        ("3.0.19-1~deb12u2", "3.0.19-1"), ("3.0.19-1~deb12u2", "3.0.19-1~deb12u1"),
        ("1.0~git20230101", "1.0~rc1"), ("0.0~git20230123.b2528b0-1", "0.0-1"),
    ],
    "revision": [
        ("1.0", "1.0-0"), ("1.0-0", "1.0-00"), ("1.0", "1.0-0.0"), ("1.0-1", "1.0"),
        ("1.0-a", "1.0-0"), ("1.0-0.1", "1.0-0"), ("1.0-1", "1.0-1.1"), ("1.0-1.1", "1.0-2"),
        ("1.0-10", "1.0-9"), ("1.0-1+b1", "1.0-1"), ("1.0-1ubuntu1", "1.0-1"),
        ("1.0-1ubuntu1", "1.0-2"), ("1.0-+", "1.0"), ("1.0-.", "1.0-+"),
    ],
    "letters_digits": [
        ("1.0a", "1.0"), ("1.0a", "1.0.1"), ("1.0a", "1.0+"), ("1.0a", "1.0b"),
        ("1.0aa", "1.0b"), ("1.0a1", "1.0a"), ("1.0A", "1.0a"), ("1.0Z", "1.0a"),
        ("1.0z", "1.0+"), ("1.0a", "1.0~"), ("1.1", "1.a"), ("1.1.0l", "1.1.0k"),
        ("1.1.1n", "1.1.1"), ("1.1.1", "1.1.1a"), ("1.0b2", "1.0b10"), ("1.0rc1", "1.0"),
        ("1.0p1", "1.0.1"), ("2.4.0-f2", "2.4.0-2"), ("1:9.2p1-2+deb12u6", "1:9.2-2"),
    ],
    "separators": [
        ("1.0+dfsg", "1.0"), ("1.0+dfsg-1", "1.0-1"), ("1.0+b1", "1.0.1"), ("1.0+", "1.0."),
        ("1.0.", "1.0"), ("1.0+", "1.0"), ("1.0-1+b1", "1.0-1.1"),
        ("1.0-1+deb12u1", "1.0-1+deb12u2"), ("1.0-1+deb12u10", "1.0-1+deb12u9"),
        ("1.0-1+b1", "1.0-1+deb12u1"), ("1.0.dfsg", "1.0+dfsg"), ("1..0", "1.0"),
        ("1.2.8.dfsg-2+deb8u3", "1.2.8.dfsg-2+deb8u10"), ("1.0+dfsg1", "1.0+dfsg"),
        ("0:1.0:1", "0:1.0.1"), ("0:1.0:1", "0:1.0+1"), ("1.0+-1", "1.0.-1"),
        ("1.0+ds1-5", "1.0+dfsg-5"), ("1.0+really0.9-1", "1.0-1"),
    ],
    "leading_zeros_and_long_numbers": [
        ("1.01", "1.1"), ("1.001", "1.1"), ("1.010", "1.10"), ("1.0010", "1.9"), ("01", "1"),
        ("1.0", "1.00"), ("1.0", "1.0.0"), ("0", "00"), ("0", "0.0"), ("0", "0-0"),
        ("1.0-01", "1.0-1"), ("1.004-3", "1.04-2"), ("1.12345678901234567890", "1.12345678901234567891"),
        ("1.99999999999999999999", "1.100000000000000000000"),
        ("18446744073709551616", "18446744073709551615"), ("18446744073709551616", "18446744073709551616.0"),
        ("1.000000000000000000000000001", "1.1"), ("4294967296", "4294967295"),
        ("1.0-99999999999999999999999", "1.0-100000000000000000000000"),
        ("20230101", "2.0"), ("0.17029-2", "0.188-2.1"),
    ],
    "hyphenated_upstream": [
        ("1.2-3-4", "1.2-3-5"), ("1.2-3-4", "1.2-4"), ("1.2-3-4", "1.2.3-4"),
        ("1.2-3-4", "1.2+3-4"), ("1.2-3-4", "1.2-3"), ("1.2-3-4", "1.2-3-4"),
        ("2.1.12-stable-8", "2.1.12-8"), ("1.0--1", "1.0-1"), ("1.0--1", "1.0+-1"),
        ("1:2.1-1-1", "1:2.1-1"),
    ],
    "real_world": [
        ("3.0.19-1~deb12u2", "3.0.11-1~deb12u2"), ("1.1.1n-0+deb10u10", "1.1.1n-0+deb10u6"),
        ("1.1.1n-0+deb10u3", "1.1.1n-0+deb11u1"), ("2.36-9+deb12u14", "2.36-9+deb12u4"),
        ("1.0.1t-1+deb8u21", "1.0.1t-1+deb8u9"), ("1.1.0l-1~deb9u13", "1.1.0l-1~deb9u9"),
        ("1.1.0l-1~deb9u9", "1.1.0k-1~deb9u1"), ("1.2.1-2.2+wheezy3", "1.2.1-2.2+wheezy2"),
        ("1.2.1-2.2+wheezy3", "1.2.1-2.2"), ("7.88.1-10+deb12u8", "7.88.1-10+deb12u12"),
        ("252.30-1~deb12u2", "252.31-1~deb12u1"), ("6.1.0-0.deb11.7", "6.1.0-13"),
        ("2.9.14+dfsg-1.3~deb12u1", "2.9.14+dfsg-1.3"), ("1.0.8-5+b1", "1.0.8-5.1"),
    ],
}


def osv_debian_versions():
    """Debian versions named in the OSV fixtures' Debian ECOSYSTEM entries."""
    found = []
    for path in sorted(glob.glob(os.path.join(OSV_DIR, "*.json"))):
        doc = json.load(open(path))
        for aff in doc.get("affected", []) if isinstance(doc, dict) else []:
            if not aff.get("package", {}).get("ecosystem", "").startswith("Debian"):
                continue
            for r in aff.get("ranges", []):
                for ev in r.get("events", []):
                    found.extend(ev.values())
            found.extend(aff.get("versions", []))
    return sorted(set(found))


def installed_versions():
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}\n"],
                         capture_output=True, text=True, check=True).stdout
    return sorted(set(out.split()))


def mutations(v, rng):
    """Four variants of a real version: digit bump, ~x, +b1, epoch change."""
    epoch, sep, rest = v.partition(":") if ":" in v else ("", "", v)
    runs = list(re.finditer(r"[0-9]+", rest))
    m = rng.choice(runs)
    bumped = epoch + sep + rest[:m.start()] + str(int(m.group()) + 1) + rest[m.end():]
    if "-" in rest and rng.random() < 0.6:
        up, _, rev = rest.rpartition("-")
        tilde = epoch + sep + up + "~x-" + rev
    else:
        tilde = v + "~x"
    if epoch:
        new_epoch = rng.choice([str(int(epoch) + 1), "0"])
        epoch_changed = new_epoch + ":" + rest
    else:
        epoch_changed = rng.choice(["1:", "0:"]) + v
    return [("installed+bump", bumped), ("installed+tilde", tilde),
            ("installed+binnmu", v + "+b1"), ("installed+epoch", epoch_changed)]


DEBIAN_INVALID = [
    "", "a:1.0", "1.0 2", "1.0-1 2", "1.0\t2", "-1", "-1:1.0", "1:-1", "abc", "~", "é1", "1:a1.0",
    "1.0-", "1.0-1-", "1.0-1.-", "1:", "0:", ":1.0", "1.0:", "1.0:1", "1.0-0:1",
    "99999999999:1.0", "2147483648:1.0", "1.0_1", "1.0!", "1.0@", "1.0/1",
    "1.0-1_2", "1:1.0-1:2", "1.0\n", "\n1.0", "1.0\r",
]

DEBIAN_ODDITIES = [
    (" 1.0", "leading whitespace is stripped"), ("1.0 ", "trailing whitespace is stripped"),
    ("\t1.0\t", "surrounding tabs are stripped too (but not newlines)"),
    ("1:1:1.0", "colons are allowed in the upstream part once an epoch is present"),
    ("1:1.0:", "upstream may end with a colon when an epoch is present"),
    ("1.0--1", "upstream may end with a hyphen; the last hyphen starts the revision"),
    ("1.0-~", "revision may be just a tilde"), ("1.0-+", "revision may start with a non-alphanumeric"),
    ("1.0.", "upstream may end with a dot"), ("1..0", "repeated separators are allowed"),
    ("1.0~-1", "upstream may end with a tilde"), ("1.0-a", "revision may start with a letter"),
    ("00:1.0", "epoch with leading zeros"), ("2147483647:1.0", "largest epoch (INT_MAX)"),
    ("0", "a single zero"),
]


def build_debian():
    rng = random.Random(SEED)
    pairs = []
    for group, items in DEBIAN_HANDWRITTEN.items():
        pairs += [(group, a, b) for a, b in items]

    osv = osv_debian_versions()
    installed_now = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}\n", "zlib1g", "libssl3"],
        capture_output=True, text=True).stdout.split()
    pool = sorted(set(osv) | set(installed_now))
    pairs += [("osv", a, b) for a, b in itertools.combinations(pool, 2)]
    osv_rng = random.Random(SEED + 1)
    for v in osv:
        if v != "0":
            pairs += [("osv+" + g.split("+")[1], v, m) for g, m in mutations(v, osv_rng)]

    for v in rng.sample(installed_versions(), 40):
        pairs += [(g, v, m) for g, m in mutations(v, rng)]

    seen, cases, disagreements = set(), [], []
    for group, a, b in pairs:
        if (a, b) in seen:
            continue
        seen.add((a, b))
        for v in (a, b):
            rc, msg = dpkg_validate(v)
            assert rc == 0 and not msg, f"not a valid version: {v!r}: {msg}"
        order = dpkg_order(a, b)
        assert dpkg_order(b, a) == -order, f"dpkg is not antisymmetric on {a!r}, {b!r}"
        if deb_order(a, b) != order:
            disagreements.append((a, b, order))
        cases.append({"a": a, "b": b, "order": order, "group": group})

    invalid = []
    for v in DEBIAN_INVALID:
        rc, msg = dpkg_validate(v)
        assert rc != 0, f"dpkg accepts {v!r}"
        level = "error" if msg.startswith("dpkg: error:") else "warning"
        crc, _ = dpkg("--compare-versions", "--", v, "eq", v)
        invalid.append({"version": v, "valid": False, "level": level,
                        "dpkg_message": msg,
                        "compare_versions_exit": crc})

    oddities = []
    for v, note in DEBIAN_ODDITIES:
        rc, msg = dpkg_validate(v)
        assert rc == 0 and not msg, f"dpkg rejects {v!r}: {msg}"
        oddities.append({"version": v, "valid": True, "note": note})
    # The empty string fails --validate-version, yet --compare-versions takes it
    # as "no version", which sorts before every version (even "0~").
    empty = [{"a": "", "b": b, "order": dpkg_order("", b)} for b in ("0~", "0", "1.0")]
    return cases, invalid, oddities, empty, disagreements


# --------------------------------------------------------------------------
# SemVer 2.0.0 via the `semver` package.

SPEC_CHAIN = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
              "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]

SEMVER_PAIRS = {
    "core": [
        ("1.0.0", "2.0.0"), ("2.0.0", "2.1.0"), ("2.1.0", "2.1.1"), ("1.0.0", "2.1.1"),
        ("1.9.0", "1.10.0"), ("1.0.10", "1.0.9"), ("0.0.0", "0.0.1"), ("10.0.0", "9.99.99"),
        ("1.2.3", "1.2.3"), ("0.1.0", "0.0.99"),
    ],
    "prerelease": [
        ("1.0.0-1", "1.0.0-a"), ("1.0.0-1", "1.0.0-1a"), ("1.0.0-2", "1.0.0-10"),
        ("1.0.0-a2", "1.0.0-a10"), ("1.0.0-0", "1.0.0"), ("1.0.0-alpha", "1.0.0-alpha.0"),
        ("1.0.0-A", "1.0.0-a"), ("1.0.0-Z", "1.0.0-a"), ("1.0.0-alpha-1", "1.0.0-alpha.1"),
        ("1.0.0----", "1.0.0-0"), ("1.0.0-0a", "1.0.0-0"), ("1.0.0-00a", "1.0.0-0a"),
        ("1.0.0-x.7.z.92", "1.0.0-x.7.z.100"), ("1.0.0-rc.1", "1.0.0-rc.1.0"),
        ("1.0.0-1.2.3", "1.0.0-1.2.3.a"), ("1.0.0-alpha.1", "1.0.0-alpha.a"),
        ("1.0.0-rc.1", "1.0.0-rc.1"), ("1.0.0-0A.is.legal", "1.0.0-0A.is.legal.0"),
        ("1.0.0-beta", "0.9.9"), ("1.0.0-rc.10", "1.0.0-rc.9"), ("1.0.0-rc10", "1.0.0-rc9"),
        ("1.0.0-999", "1.0.0-a"), ("1.0.0-a.b.c", "1.0.0-a.b"), ("2.0.0-alpha", "1.99.99"),
    ],
    "build_metadata": [
        ("1.0.0+20130313144700", "1.0.0"), ("1.0.0-alpha+001", "1.0.0-alpha"),
        ("1.0.0+21AF26D3----117B344092BD", "1.0.0-beta"), ("1.0.0+b", "1.0.0+a"),
        ("1.0.0-beta+exp.sha.5114f85", "1.0.0-beta.1"), ("1.0.0+001", "1.0.0+1"),
        ("1.0.0-rc.1+build.1", "1.0.0+build.1"), ("1.0.1+0", "1.0.0+999"),
    ],
    "large_numbers": [
        ("18446744073709551615.0.0", "18446744073709551616.0.0"),
        ("1.0.0-18446744073709551616", "1.0.0-9"),
        ("99999999999999999999.0.0", "100000000000000000000.0.0"),
        ("2147483647.0.0", "2147483648.0.0"), ("0.4294967296.0", "0.4294967295.0"),
        ("1.2.3-9223372036854775807", "1.2.3-9223372036854775808"),
        ("1.0.18446744073709551616", "1.0.18446744073709551616"),
    ],
}

SWIFT_VERSIONS = ["1.0.0", "1.9.0", "1.12.0", "1.19.1", "1.19.2", "1.26.0",
                  "1.28.0", "1.29.0", "2.58.0", "2.62.0", "1.28.0-rc.1"]

SEMVER_INVALID = [
    "1.0", "1", "", "01.0.0", "1.01.0", "1.0.01", "1.0.0-", "1.0.0-01", "1.0.0-00",
    "1.0.0-alpha.01", "v1.0.0", "=1.0.0", "1.0.0.0", "1.0.0+", "1.0.0-alpha..1",
    "1.0.0+build..1", "1.0.0-alpha_beta", "1.2.3-alpha+build+x", " 1.0.0", "1.0.0 ",
    "1.0.0\n", "-1.0.0", "1.-1.0", "1.0.0-α", "１.0.0", "1.0.0-١", "1.0.0-rc.1+",
]


def semver_ident_cmp(x, y):
    xn, yn = x.isdigit() and x.isascii(), y.isdigit() and y.isascii()
    if xn and yn:
        x, y = int(x), int(y)
    elif xn or yn:
        return -1 if xn else 1
    return (x > y) - (x < y)


def semver_order(a, b):
    """Independent cross-check of SemVer 2.0.0 section 11."""
    def split(v):
        core, _, pre = v.split("+")[0].partition("-")
        return [int(n) for n in core.split(".")], pre.split(".") if pre else []
    (ca, pa), (cb, pb) = split(a), split(b)
    if ca != cb:
        return -1 if ca < cb else 1
    if not pa or not pb:
        return (not pa) - (not pb)
    for x, y in zip(pa, pb):
        c = semver_ident_cmp(x, y)
        if c:
            return c
    return (len(pa) > len(pb)) - (len(pa) < len(pb))


def osv_semver_versions():
    doc = json.load(open(os.path.join(OSV_DIR, "GHSA-qppj-fm5r-hxr3.osv.json")))
    found = set()
    for aff in doc["affected"]:
        for r in aff.get("ranges", []):
            for ev in r.get("events", []):
                found.update(ev.values())
        found.update(aff.get("versions", []))
    good = []
    for v in sorted(found):
        try:
            semver.Version.parse(v)
            good.append(v)
        except ValueError:
            pass
    return good


def build_semver():
    pairs = [("spec_chain", a, b) for a, b in itertools.combinations(SPEC_CHAIN, 2)]
    for group, items in SEMVER_PAIRS.items():
        pairs += [(group, a, b) for a, b in items]
    pairs += [("swift_nio", a, b) for a, b in itertools.combinations(SWIFT_VERSIONS, 2)]
    ghsa = osv_semver_versions()
    rng = random.Random(SEED)
    neighbours = list(zip(ghsa, ghsa[1:]))
    pairs += [("osv_ghsa", a, b) for a, b in rng.sample(neighbours, 25)]
    pairs += [("osv_ghsa", *rng.sample(ghsa, 2)) for _ in range(15)]
    pairs += [("osv_ghsa", "11.0.0-M12", "11.0.0-M9"), ("osv_ghsa", "10.0.0-RC2", "10.0.0-M1")]

    seen, cases, disagreements = set(), [], []
    for group, a, b in pairs:
        if (a, b) in seen or (b, a) in seen:
            continue
        seen.add((a, b))
        order = semver.Version.parse(a).compare(b)
        assert semver.Version.parse(b).compare(a) == -order
        if semver_order(a, b) != order:
            disagreements.append((a, b, order))
        cases.append({"a": a, "b": b, "order": order, "group": group})

    invalid = []
    for v in SEMVER_INVALID:
        try:
            semver.Version.parse(v)
            raise AssertionError(f"semver accepts {v!r}")
        except ValueError as e:
            invalid.append({"version": v, "valid": False, "error": type(e).__name__})
    return cases, invalid, disagreements


# --------------------------------------------------------------------------
# CVSS v3.1 via the `cvss` package.

METRICS = {  # value -> weight, from the CVSS v3.1 specification, section 7.4
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "PR": {"N": 0.85, "L": 0.62, "H": 0.27},  # L/H become 0.68/0.5 when S:C
    "UI": {"N": 0.85, "R": 0.62},
    "S": {"U": None, "C": None},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}


def roundup31(x):
    """CVSS v3.1 Appendix A Roundup."""
    i = round(x * 100000)
    return i / 100000.0 if i % 10000 == 0 else (i // 10000 + 1) / 10.0


def cvss_raw(m):
    """Base score before rounding (None when the impact is not positive)."""
    changed = m["S"] == "C"
    pr = {"N": 0.85, "L": 0.68, "H": 0.5}[m["PR"]] if changed else METRICS["PR"][m["PR"]]
    iss = 1 - (1 - METRICS["C"][m["C"]]) * (1 - METRICS["I"][m["I"]]) * (1 - METRICS["A"][m["A"]])
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    if impact <= 0:
        return None
    expl = 8.22 * METRICS["AV"][m["AV"]] * METRICS["AC"][m["AC"]] * pr * METRICS["UI"][m["UI"]]
    return min(1.08 * (impact + expl) if changed else impact + expl, 10)


def cvss_base(m):
    raw = cvss_raw(m)
    return 0.0 if raw is None else roundup31(raw)


def severity(score):
    if score == 0:
        return "None"
    return "Low" if score < 4 else "Medium" if score < 7 else "High" if score < 9 else "Critical"


def vector(m):
    return "CVSS:3.1/" + "/".join(f"{k}:{m[k]}" for k in METRICS)


def parse_vector(v):
    return dict(part.split(":") for part in v.split("/")[1:])


# FIRST "CVSS v3.1 Examples" (scores recalled, checked against the library below).
FIRST_EXAMPLES = [
    ("AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1), ("AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4),
    ("AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1), ("AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9),
    ("AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2), ("AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8),
    ("AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8), ("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
    ("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8), ("AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8),
    ("AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8), ("AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8),
    ("AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 5.8), ("AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 5.4),
    ("AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 8.8), ("AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 4.6),
    ("AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8), ("AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4),
    ("AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6), ("AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 6.8),
    ("AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2), ("AV:P/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 7.6),
    ("AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0), ("AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
]

CVSS_INVALID = [
    ("missing metric", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"),
    ("missing metric", "CVSS:3.1/AV:N/AC:L/UI:N/S:U/C:H/I:H/A:H"),
    ("unknown value", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q"),
    ("unknown value", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("unknown value", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H"),
    ("lower-case value", "CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("CVSS v2", "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P"),
    ("CVSS v2 without prefix", "AV:N/AC:L/Au:N/C:P/I:P/A:P"),
    ("CVSS v4", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N"),
    ("unknown version", "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("no prefix", "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("lower-case prefix", "cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("duplicated metric", "CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("duplicated metric, same value", "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("duplicated temporal metric", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/E:U"),
    ("unknown metric", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y"),
    ("trailing slash", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"),
    ("empty field", "CVSS:3.1//AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("leading space", " CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("trailing space", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H "),
    ("prefix only", "CVSS:3.1"), ("empty", ""),
]

CVSS_NONCANONICAL = [
    ("metrics out of order", "CVSS:3.1/AC:L/AV:N/PR:N/UI:N/S:U/C:H/I:H/A:H"),
    ("metrics out of order", "CVSS:3.1/S:C/C:H/I:H/A:H/AV:N/AC:L/PR:L/UI:N"),
    ("temporal metric not defined", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X"),
    ("temporal metric set (base unchanged)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C"),
    ("environmental metric set (base unchanged)", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:H/MAV:L"),
]


def build_cvss():
    everything = [dict(zip(METRICS, vals)) for vals in itertools.product(*(METRICS[k] for k in METRICS))]
    picked = []  # (group, vector)
    for path in sorted(glob.glob(os.path.join(OSV_DIR, "*.json"))):
        doc = json.load(open(path))
        for sev in doc.get("severity", []) if isinstance(doc, dict) else []:
            if sev.get("type") == "CVSS_V3":
                picked.append(("osv", sev["score"]))
    example_mismatch = []
    for v, expected in FIRST_EXAMPLES:
        picked.append(("first_example", "CVSS:3.1/" + v))
        if cvss.CVSS3("CVSS:3.1/" + v).scores()[0] != expected:
            example_mismatch.append(v)
    roundup_edges = 0
    for m in everything:
        raw = cvss_raw(m)
        if raw is None:
            continue
        frac = raw * 10 - math.floor(raw * 10)
        if math.ceil(raw * 10) / 10 != roundup31(raw) or round(raw * 100000) % 10000 == 0:
            picked.append(("roundup_edge", vector(m)))  # lands on x.x0 after Roundup's 5 decimals
            roundup_edges += 1
        elif min(frac, 1 - frac) < 0.01:
            picked.append(("near_boundary", vector(m)))  # within 0.001 of an x.x0 boundary
    picked.append(("extreme", vector({k: list(METRICS[k])[-1] for k in METRICS})))
    rng = random.Random(SEED)
    picked += [("random", vector(m)) for m in rng.sample(everything, 300)]

    seen, cases, disagreements = set(), [], []
    for group, v in picked:
        if v in seen:
            continue
        seen.add(v)
        c = cvss.CVSS3(v)
        score, sev = c.scores()[0], c.severities()[0]
        if v.startswith("CVSS:3.1/") and (cvss_base(parse_vector(v)), severity(score)) != (score, sev):
            disagreements.append(v)
        cases.append({"vector": v, "base_score": score, "severity": sev, "group": group})

    invalid = []
    for why, v in CVSS_INVALID:
        try:
            cvss.CVSS3(v)
            raise AssertionError(f"cvss accepts {v!r}")
        except cvss.CVSSError as e:
            invalid.append({"vector": v, "valid": False, "why": why,
                            "error": f"{type(e).__name__}: {e}"})
    lenient = []
    for why, v in CVSS_NONCANONICAL:
        c = cvss.CVSS3(v)
        lenient.append({"vector": v, "base_score": c.scores()[0], "severity": c.severities()[0],
                        "canonical": c.clean_vector(), "note": why})
    return cases, invalid, lenient, roundup_edges, example_mismatch, disagreements


# --------------------------------------------------------------------------

def write_fixture(doc):
    """One case per line, so diffs stay readable."""
    parts = []
    for key, val in doc.items():
        if isinstance(val, list):
            body = ",\n".join("    " + json.dumps(x, ensure_ascii=False) for x in val)
            parts.append(f'  {json.dumps(key)}: [\n{body}\n  ]')
        else:
            parts.append(f"  {json.dumps(key)}: {json.dumps(val, ensure_ascii=False)}")
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        f.write("{\n" + ",\n".join(parts) + "\n}\n")


def main():
    deb, deb_bad, deb_odd, deb_empty, deb_dis = build_debian()
    sv, sv_bad, sv_dis = build_semver()
    cv, cv_bad, cv_lenient, edges, ex_mis, cv_dis = build_cvss()
    dpkg_version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "dpkg"],
                                  capture_output=True, text=True).stdout
    doc = {
        "generated_by": "python3 scripts/reference/security.py",
        "tools": {"python": sys.version.split()[0], "dpkg": dpkg_version,
                  "semver": package_version("semver"), "cvss": package_version("cvss")},
        "order_meaning": "-1: a < b, 0: a == b, 1: a > b",
        "debian_versions": deb,
        "debian_invalid": deb_bad,
        "debian_accepted_oddities": deb_odd,
        "debian_empty_string": deb_empty,
        "semver": sv,
        "semver_invalid": sv_bad,
        "cvss31": cv,
        "cvss_invalid": cv_bad,
        "cvss_accepted_noncanonical": cv_lenient,
    }
    write_fixture(doc)
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT) // 1024} KB)")
    print(f"tools: {doc['tools']}")
    print(f"debian_versions {len(deb)}, debian_invalid {len(deb_bad)}, "
          f"oddities {len(deb_odd)}; cross-check disagreements {len(deb_dis)} {deb_dis[:3]}")
    print(f"semver {len(sv)}, semver_invalid {len(sv_bad)}; "
          f"cross-check disagreements {len(sv_dis)} {sv_dis[:3]}")
    print(f"cvss31 {len(cv)} (roundup edges {edges}), cvss_invalid {len(cv_bad)}, "
          f"noncanonical {len(cv_lenient)}; FIRST example mismatches {ex_mis}; "
          f"cross-check disagreements {len(cv_dis)} {cv_dis[:3]}")


if __name__ == "__main__":
    main()
