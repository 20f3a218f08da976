#!/usr/bin/env python3
"""Generate the feature x backend matrix of docs/conformance.md from real data.

Sources (nothing is typed by hand):
  * capabilities: each variant's CLI, `omnitls-<backend> version -json`, with the
    names and descriptions of every bit from OTLS_CAP_MAP in
    include/omnitls/version.h (so a bit no backend has still gets a row);
  * scenario results: a CTest JUnit file (`ctest -L conformance --output-junit F`)
    or a results file saved from one earlier (--save-results / --results);
  * known differences: tests/conformance/known-differences.txt.

The generated text goes between `<!-- BEGIN GENERATED: <part> -->` and
`<!-- END GENERATED: <part> -->` markers in docs/conformance.md; everything
else in the page is left alone.

Refresh the page after a full run:

  (cd build/all && ctest -L conformance -j2 --output-junit conformance-junit.xml)
  scripts/conformance-report.py --build build/all \
      --junit build/all/conformance-junit.xml \
      --save-results tests/docs-node/conformance-results.tsv --write

Check it (what the CTest test `docs.conformance-report` runs; no scenario is
run, only the four CLIs): --check --results tests/docs-node/conformance-results.tsv
The check also holds the capability tables typed by hand in docs/node-map.md
and docs/choosing-a-backend.md to what the CLIs say.
Exit codes: 0 up to date / written, 1 stale or bad input, 2 usage, 77 cannot
check here (not every variant of the results was built).
"""

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

BACKENDS = ["openssl", "boringssl", "wolfssl", "gnutls"]
SKIP = 77


def die(msg, code=1):
    print("conformance-report: " + msg, file=sys.stderr)
    sys.exit(code)


# --- sources ------------------------------------------------------------------


def read_cap_map(root):
    """[(name, bit, description)] from OTLS_CAP_MAP, in bit order."""
    path = os.path.join(root, "include", "omnitls", "version.h")
    with open(path, encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    m = re.search(r"#define OTLS_CAP_MAP\(X\)(.*?)\n\s*enum otls_cap", text, re.S)
    if not m:
        die("no OTLS_CAP_MAP in " + path)
    caps = []
    entry = re.compile(r'X\(\s*(\w+)\s*,\s*(\d+)\s*,\s*"([^"]*)"\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+)\)')
    for e in entry.finditer(m.group(1)):
        desc = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', e.group(4)))
        caps.append((e.group(3), int(e.group(2)), desc))
    if not caps:
        die("OTLS_CAP_MAP in %s has no entries" % path)
    return sorted(caps, key=lambda c: c[1])


def read_scenarios(root):
    """Scenario names in source order, from tests/conformance/conformance.c."""
    path = os.path.join(root, "tests", "conformance", "conformance.c")
    names = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"SCENARIO\(([a-z0-9_]+)\)", line)
            if m:
                names.append(m.group(1))
    if not names:
        die("no SCENARIO() in " + path)
    return names


def read_known_differences(root):
    path = os.path.join(root, "tests", "conformance", "known-differences.txt")
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            head, _, reason = line.partition("#")
            fields = head.split()
            if len(fields) != 3:
                die("%s: cannot read line: %s" % (path, line))
            rows.append((fields[0], fields[1], fields[2], reason.strip()))
    return rows


def cli_info(path):
    try:
        out = subprocess.run([path, "version", "-json"], check=True, capture_output=True,
                             text=True, timeout=30).stdout
        info = json.loads(out)
    except (OSError, subprocess.SubprocessError, ValueError) as e:
        die("%s version -json failed: %s" % (path, e))
    return info


def read_junit(path):
    """{backend: {scenario: (status, reason)}}, plus the transcript diff's status."""
    results = {}
    diff = None
    try:
        tree = ET.parse(path)
    except (OSError, ET.ParseError) as e:
        die("cannot read JUnit file %s: %s" % (path, e))
    for tc in tree.getroot().iter("testcase"):
        name = tc.get("name", "")
        status = tc.get("status", "")
        out = ""
        for child in tc:
            if child.tag == "system-out" and child.text:
                out += child.text
        if name == "conformance.transcript-diff":
            diff = "pass" if status == "run" else "fail" if status == "fail" else "not run"
            continue
        m = re.match(r"conformance\.([a-z0-9]+)\.([a-z0-9_]+)$", name)
        if not m:
            continue
        backend, scenario = m.groups()
        if status == "run":
            res = ("pass", "")
        elif status == "notrun":
            r = re.search(r"^SKIP \(backend [a-z0-9]+\): (.*)$", out, re.M)
            res = ("not run", r.group(1).strip() if r else "exit 77 (no reason printed)")
        elif status == "fail":
            res = ("FAIL", "")
        else:
            res = ("not run", "disabled" if status == "disabled" else status)
        results.setdefault(backend, {})[scenario] = res
    if not results:
        die("no conformance.<backend>.<scenario> test cases in " + path)
    return results, diff


RESULTS_HEADER = """\
# omnitls conformance results, one line per scenario and backend:
#   result <scenario> <backend> <pass|not run|FAIL> [reason]   (tab-separated)
# plus the backends' versions and capabilities when they were recorded, and
# the transcript diff. Written by scripts/conformance-report.py --save-results
# from `ctest -L conformance --output-junit`; do not edit by hand.
"""


def save_results(path, results, diff, infos, recorded):
    with open(path, "w", encoding="utf-8") as f:
        f.write(RESULTS_HEADER)
        f.write("recorded\t%s\n" % recorded)
        for b in BACKENDS:
            if b in infos:
                f.write("backend\t%s\t%s\t%s\n" % (b, infos[b]["backendVersion"],
                                                 " ".join(infos[b]["capabilities"])))
        f.write("transcript-diff\t%s\n" % (diff or "not run"))
        for b in BACKENDS:
            for scenario, (status, reason) in sorted(results.get(b, {}).items()):
                f.write("result\t%s\t%s\t%s\t%s\n" % (scenario, b, status, reason))


def load_results(path):
    results, backends, diff, recorded = {}, {}, None, ""
    try:
        f = open(path, encoding="utf-8")
    except OSError as e:
        die("cannot read results file %s: %s" % (path, e))
    with f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            p = line.split("\t")
            if p[0] == "recorded" and len(p) == 2:
                recorded = p[1]
            elif p[0] == "backend" and len(p) == 4:
                backends[p[1]] = {"backendVersion": p[2], "capabilities": p[3].split()}
            elif p[0] == "transcript-diff" and len(p) == 2:
                diff = p[1]
            elif p[0] == "result" and len(p) == 5:
                results.setdefault(p[2], {})[p[1]] = (p[3], p[4])
            else:
                die("%s:%d: cannot read: %s" % (path, n, line))
    return results, diff, backends, recorded


# --- rendering ----------------------------------------------------------------


def md_escape(s):
    return s.replace("|", "\\|")


def render_capabilities(caps, infos, backends):
    lines = [
        "| capability | what it enables | " + " | ".join(backends) + " |",
        "|---|---|" + "---|" * len(backends),
    ]
    for name, bit, desc in caps:
        cells = ["yes" if name in infos[b]["capabilities"] else "**no**" for b in backends]
        lines.append("| `%s` | %s | %s |" % (name, md_escape(desc), " | ".join(cells)))
    count = ["%d of %d" % (sum(1 for c in caps if c[0] in infos[b]["capabilities"]), len(caps))
             for b in backends]
    lines.append("| | **bits set** | " + " | ".join(count) + " |")
    return "\n".join(lines)


def render_scenarios(scenarios, results, diff, rec_backends, recorded, backends):
    out = []
    vers = ", ".join("%s (`%s`)" % (b, rec_backends[b]["backendVersion"]) for b in backends
                     if b in rec_backends)
    out.append("Recorded %s with %s. Transcript diff (`conformance.transcript-diff`): **%s**."
               % (recorded or "(date unknown)", vers, diff or "not run"))
    out.append("")
    out.append("| | " + " | ".join(backends) + " |")
    out.append("|---|" + "---|" * len(backends))
    for label, key in (("pass", "pass"), ("not run", "not run"), ("FAIL", "FAIL")):
        cells = [str(sum(1 for s in scenarios if results.get(b, {}).get(s, ("", ""))[0] == key))
                 for b in backends]
        out.append("| %s | %s |" % (label, " | ".join(cells)))
    out.append("| scenarios | %s |" % " | ".join(str(len(scenarios)) for _ in backends))
    out.append("")
    out.append("Scenarios run on every backend are listed once, below the table.")
    out.append("")
    out.append("| scenario | " + " | ".join(backends) + " |")
    out.append("|---|" + "---|" * len(backends))
    everywhere = []
    for s in scenarios:
        cells = []
        for b in backends:
            status, reason = results.get(b, {}).get(s, ("missing", ""))
            if status == "pass":
                cells.append("pass")
            elif status == "not run":
                cells.append("not run: " + md_escape(reason))
            else:
                cells.append("**%s**" % status)
        if all(c == "pass" for c in cells):
            everywhere.append(s)
        else:
            out.append("| `%s` | %s |" % (s, " | ".join(cells)))
    out.append("")
    out.append("Pass on all %d backends (%d): %s." % (len(backends), len(everywhere),
                                                     ", ".join("`%s`" % s for s in everywhere)))
    return "\n".join(out)


def render_known(rows):
    lines = ["| scenario | transcript key | backend | reason |", "|---|---|---|---|"]
    for scenario, key, backend, reason in rows:
        lines.append("| `%s` | `%s` | %s | %s |" % (scenario, key, backend, md_escape(reason)))
    return "\n".join(lines)


def check_typed_tables(paths, cap_names, infos, backends):
    """Capability tables typed by hand in other pages must say what the CLIs say.

    A table counts when its header names the four backends (OpenSSL, BoringSSL,
    wolfSSL, GnuTLS); a row is checked when one of its cells holds only
    backticked capability names (`tls1.0`, or `ocsp-client`, `ocsp-staple`);
    each backend's cell must then start with yes or no (** allowed).
    """
    problems = []
    for path in paths:
        try:
            lines = open(path, encoding="utf-8").read().split("\n")
        except OSError as e:
            problems.append("cannot read %s: %s" % (path, e))
            continue
        cols = None
        for n, line in enumerate(lines, 1):
            if not line.startswith("|"):
                cols = None
                continue
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            low = [c.lower() for c in cells]
            if all(b in low for b in backends):
                cols = {b: low.index(b) for b in backends}
                continue
            if cols is None or all(set(c) <= set("-: ") for c in cells):
                continue
            names = None
            for c in cells:
                spans = re.findall(r"`([^`]+)`", c)
                if spans and re.fullmatch(r"(`[^`]+`[,\s]*)+", c) and all(x in cap_names for x in spans):
                    names = spans
                    break
            if not names:
                continue
            for b, i in cols.items():
                if i >= len(cells):
                    continue
                word = re.sub(r"[^a-z]", " ", cells[i].lower()).split()
                said = word[0] if word else ""
                if said not in ("yes", "no"):
                    continue
                for cap in names:
                    has = cap in infos[b]["capabilities"]
                    if (said == "yes") != has:
                        problems.append("%s:%d: says %s for %s on %s; omnitls-%s version says %s"
                                        % (path, n, said, cap, b, b, "yes" if has else "no"))
    return problems


def replace_block(doc, part, body):
    begin = "<!-- BEGIN GENERATED: %s -->" % part
    end = "<!-- END GENERATED: %s -->" % part
    i, j = doc.find(begin), doc.find(end)
    if i < 0 or j < i:
        die("docs/conformance.md has no %s ... %s markers" % (begin, end))
    return doc[:i + len(begin)] + "\n" + body + "\n" + doc[j:]


# --- main ---------------------------------------------------------------------


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default=os.path.dirname(here), help="source tree (default: this script's)")
    ap.add_argument("--build", help="build dir holding apps/omnitls-<backend> (e.g. build/all)")
    ap.add_argument("--cli", action="append", default=[], metavar="BACKEND=PATH",
                    help="a variant's CLI (repeatable; overrides --build)")
    ap.add_argument("--junit", help="CTest JUnit XML of a conformance run")
    ap.add_argument("--results", help="results file saved earlier (instead of --junit)")
    ap.add_argument("--save-results", metavar="FILE", help="write the results read from --junit here")
    ap.add_argument("--doc", help="the page (default: <root>/docs/conformance.md)")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="rewrite the generated parts of the page")
    mode.add_argument("--check", action="store_true", help="fail (exit 1) when the page is stale")
    mode.add_argument("--print", action="store_true", help="print the generated parts")
    a = ap.parse_args()

    doc_path = a.doc or os.path.join(a.root, "docs", "conformance.md")
    if bool(a.junit) == bool(a.results):
        die("give exactly one of --junit and --results", 2)

    clis = {}
    if a.build:
        for b in BACKENDS:
            p = os.path.join(a.build, "apps", "omnitls-" + b)
            if os.access(p, os.X_OK):
                clis[b] = p
    for spec in a.cli:
        b, _, p = spec.partition("=")
        if b not in BACKENDS or not p:
            die("--cli wants BACKEND=PATH with a backend of %s" % ", ".join(BACKENDS), 2)
        if os.access(p, os.X_OK):
            clis[b] = p
        else:
            clis.pop(b, None)  # not built (yet): counts as missing below

    caps = read_cap_map(a.root)
    scenarios = read_scenarios(a.root)
    known = read_known_differences(a.root)

    if a.junit:
        results, diff = read_junit(a.junit)
        rec_backends, recorded = {}, ""
        live_needed = sorted(results)
    else:
        results, diff, rec_backends, recorded = load_results(a.results)
        live_needed = sorted(rec_backends)
    backends = [b for b in BACKENDS if b in results or b in rec_backends]
    missing = [b for b in backends if b not in clis]
    if missing:
        msg = ("no CLI built for %s (build every variant's omnitls-<backend>: cmake --build "
               "--preset all)" % ", ".join(missing))
        if a.check:
            print("SKIP: " + msg)
            sys.exit(SKIP)
        die(msg, 2)
    infos = {b: cli_info(clis[b]) for b in backends}
    for b in backends:
        if infos[b].get("backend") != b:
            die("%s says it is backend %r" % (clis[b], infos[b].get("backend")))

    problems = []
    if a.junit:
        import datetime
        recorded = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        rec_backends = infos
        if a.save_results:
            save_results(a.save_results, results, diff, infos, recorded)
    else:
        # The results must belong to these binaries: same capabilities.
        for b in backends:
            if sorted(rec_backends[b]["capabilities"]) != sorted(infos[b]["capabilities"]):
                problems.append("%s: capabilities now %s, the results were recorded with %s; "
                                "re-run the conformance suite and --save-results"
                                % (b, " ".join(infos[b]["capabilities"]),
                                   " ".join(rec_backends[b]["capabilities"])))
    # ... and to these scenarios.
    for b in backends:
        have = set(results.get(b, {}))
        want = set(scenarios)
        if have != want:
            problems.append("%s: results for %d scenarios, conformance.c has %d (new: %s; gone: %s); "
                            "re-run the conformance suite"
                            % (b, len(have), len(want), " ".join(sorted(want - have)) or "-",
                               " ".join(sorted(have - want)) or "-"))

    typed = [os.path.join(a.root, "docs", f) for f in ("node-map.md", "choosing-a-backend.md")]
    typed = [p for p in typed if os.path.exists(p)]
    problems += check_typed_tables(typed, {c[0] for c in caps}, infos, backends)

    parts = {
        "capabilities": render_capabilities(caps, infos, backends),
        "scenarios": render_scenarios(scenarios, results, diff, rec_backends, recorded, backends),
        "known-differences": render_known(known),
    }

    if a.print:
        for name, body in parts.items():
            print("<!-- %s -->\n%s\n" % (name, body))
        sys.exit(1 if problems else 0)

    try:
        with open(doc_path, encoding="utf-8") as f:
            doc = f.read()
    except OSError as e:
        die("cannot read %s: %s" % (doc_path, e))
    new = doc
    for name, body in parts.items():
        new = replace_block(new, name, body)

    if a.write:
        if new != doc:
            with open(doc_path, "w", encoding="utf-8") as f:
                f.write(new)
            print("conformance-report: wrote " + doc_path)
        for p in problems:
            print("conformance-report: warning: " + p, file=sys.stderr)
        sys.exit(1 if problems else 0)

    for p in problems:
        print("conformance-report: " + p, file=sys.stderr)
    if new != doc:
        sys.stdout.writelines(difflib.unified_diff(doc.splitlines(True), new.splitlines(True),
                                                   doc_path, doc_path + " (regenerated)"))
        print("conformance-report: %s is stale; regenerate it with --write" % doc_path,
              file=sys.stderr)
        sys.exit(1)
    if problems:
        sys.exit(1)
    print("conformance-report: %s is up to date (%d capabilities, %d scenarios, %d backends)"
          % (doc_path, len(caps), len(scenarios), len(backends)))


if __name__ == "__main__":
    main()
