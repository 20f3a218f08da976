#!/usr/bin/env python3
"""Tests of scripts/apidoc.py against the fixture headers in tests/docs/fixtures,
and of the links in the committed reference (docs/api/).

    test_apidoc.py SOURCE_DIR TEST_NAME

Each TEST_NAME is one CTest entry (docs.<name>). The fixture
`undocumented` has gaps planted in every kind of declaration; the check
must fail on it and name exactly those symbols, no more, no fewer.
"""

import contextlib
import importlib.util
import io
import os
import re
import shutil
import sys
import tempfile

SRC = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else ""
FIXTURES = os.path.join(SRC, "tests", "docs", "fixtures")


def load_apidoc():
    spec = importlib.util.spec_from_file_location("apidoc", os.path.join(SRC, "scripts", "apidoc.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run(*args, cwd=None):
    """scripts/apidoc.py ARGS, in this process (one interpreter per test):
    its exit code and what it printed."""
    old = os.getcwd()
    buf = io.StringIO()
    try:
        if cwd:
            os.chdir(cwd)
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(buf):
            rc = load_apidoc().main(list(args))
    finally:
        os.chdir(old)
    return rc, buf.getvalue()


def fixture(name):
    d = os.path.join(FIXTURES, name)
    return os.path.join(d, "include"), os.path.join(d, "widget.symbols")


def expect(cond, what, output=""):
    if not cond:
        print("FAIL: " + what)
        if output:
            print("--- apidoc output ---\n" + output)
        sys.exit(1)


def generate(tmp, name):
    inc, _ = fixture(name)
    out = os.path.join(tmp, name)
    rc, text = run("generate", "--include", inc, "--out", out)
    expect(rc == 0, "generate %s exits 0 (got %d)" % (name, rc), text)
    return out


def check(out, name):
    inc, syms = fixture(name)
    return run("check", "--include", inc, "--out", out, "--symbols", syms)


# Every planted gap of fixtures/undocumented, as the check must name it.
PLANTED = {
    "macro OTLS_WIDGET_MAX",
    "enum value OTLS_WIDGET_NONE",
    "enum value OTLS_WIDGET_BLUE",
    "callback type otls_widget_cb",
    "field otls_widget_options.flags",
    "field otls_widget_options.max_speed",
    "function otls_widget_stop",
    "function otls_widget_free",
    "function otls_widget_reset",
}


def undocumented_symbols_fail_by_name(tmp):
    out = generate(tmp, "undocumented")
    rc, text = check(out, "undocumented")
    expect(rc == 1, "check exits 1 on undocumented symbols (got %d)" % rc, text)
    found = set(re.findall(r"^apidoc: include/omnitls/widget\.h:\d+: undocumented (.+)$", text, re.M))
    expect(found == PLANTED, "reported %s, expected %s" % (sorted(found), sorted(PLANTED)), text)
    expect(
        "exported function otls_widget_ghost is not declared in a public header" in text,
        "a name of the .symbols list that no header declares is reported",
        text,
    )
    expect("stale" not in text, "freshly generated pages are not reported stale", text)


def documented_header_passes(tmp):
    out = generate(tmp, "documented")
    rc, text = check(out, "documented")
    expect(rc == 0, "check exits 0 on the documented fixture (got %d)" % rc, text)
    expect("undocumented" not in text, "nothing reported undocumented", text)


def stale_page_fails(tmp):
    out = generate(tmp, "documented")
    page = os.path.join(out, "widget.md")
    with open(page, encoding="utf-8") as f:
        text = f.read()
    with open(page, "w", encoding="utf-8") as f:
        f.write(text.replace("start and stop spinning", "start and stop turning"))
    rc, text = check(out, "documented")
    expect(rc == 1, "check exits 1 when a page differs from the headers (got %d)" % rc, text)
    expect(re.search(r"widget\.md: out of date", text), "the stale page is named", text)
    expect("start and stop spinning" in text, "the difference is shown", text)


def missing_and_extra_pages_fail(tmp):
    out = generate(tmp, "documented")
    os.remove(os.path.join(out, "README.md"))
    with open(os.path.join(out, "gone.md"), "w", encoding="utf-8") as f:
        f.write("a page of a header that no longer exists\n")
    rc, text = check(out, "documented")
    expect(rc == 1, "check exits 1 on a missing and an extra page (got %d)" % rc, text)
    expect(re.search(r"README\.md: missing", text), "the missing index is named", text)
    expect(re.search(r"gone\.md: not generated", text), "the extra page is named", text)
    rc, text = run("generate", "--include", fixture("documented")[0], "--out", out)
    expect(not os.path.exists(os.path.join(out, "gone.md")), "generate removes the extra page", text)
    rc, text = check(out, "documented")
    expect(rc == 0, "check passes after generate (got %d)" % rc, text)


def generation_is_deterministic(tmp):
    a = generate(tmp, "documented")
    b = os.path.join(tmp, "again")
    inc, _ = fixture("documented")
    rc, text = run("generate", "--include", inc, "--out", b, cwd=tmp)  # another cwd
    expect(rc == 0, "second generate exits 0", text)
    names = sorted(os.listdir(a))
    expect(names == sorted(os.listdir(b)), "same files twice: %s / %s" % (names, sorted(os.listdir(b))))
    for n in names:
        with open(os.path.join(a, n), "rb") as f1, open(os.path.join(b, n), "rb") as f2:
            expect(f1.read() == f2.read(), "%s is byte-identical in both runs" % n)
        with open(os.path.join(a, n), encoding="utf-8") as f:
            body = f.read()
        expect(tmp not in body and SRC not in body, "%s holds no absolute path" % n)


def links_resolve(tmp):
    """Every link of the committed reference points at an anchor that exists."""
    api = os.path.join(SRC, "docs", "api")
    pages = sorted(f for f in os.listdir(api) if f.endswith(".md"))
    anchors = {}
    for p in pages:
        with open(os.path.join(api, p), encoding="utf-8") as f:
            anchors[p] = set(re.findall(r'<a id="([^"]+)"></a>', f.read()))
    bad = []
    count = 0
    for p in pages:
        with open(os.path.join(api, p), encoding="utf-8") as f:
            text = f.read()
        for target in re.findall(r"\]\(([^)\s]*)\)", text):
            count += 1
            page, _, frag = target.partition("#")
            page = page or p
            if page not in anchors:
                bad.append("%s: link to a missing page: %s" % (p, target))
            elif frag and frag not in anchors[page]:
                bad.append("%s: link to a missing anchor: %s" % (p, target))
    expect(not bad, "every link resolves:\n  " + "\n  ".join(bad))
    with open(os.path.join(api, "README.md"), encoding="utf-8") as f:
        index = f.read()
    for p in pages:
        if p != "README.md":
            expect("](%s)" % p in index, "the index links %s" % p)
    expect(count > 500, "the reference has links (%d)" % count)


TESTS = {
    f.__name__: f
    for f in (
        undocumented_symbols_fail_by_name,
        documented_header_passes,
        stale_page_fails,
        missing_and_extra_pages_fail,
        generation_is_deterministic,
        links_resolve,
    )
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in TESTS:
        print("usage: test_apidoc.py SOURCE_DIR {%s}" % "|".join(TESTS))
        sys.exit(2)
    tmp = tempfile.mkdtemp(prefix="otls-apidoc-")
    try:
        TESTS[sys.argv[2]](tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("ok: " + sys.argv[2])
