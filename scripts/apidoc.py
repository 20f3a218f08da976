#!/usr/bin/env python3
"""omnitls API reference: Markdown pages generated from the public header
comments, and the check that every public symbol is documented.

    scripts/apidoc.py generate [--include DIR] [--out DIR]
    scripts/apidoc.py check    [--include DIR] [--out DIR] [--symbols FILE ...]

The headers are include/omnitls.h and include/omnitls/*.h. Their style, read
here, is the one CONVENTIONS.md asks for: a block comment directly above a
declaration (no blank line between) documents it; a comment on the same line
after a declaration (a struct field, a #define) documents that declaration.
Declarations directly below a documented one (still no blank line) share its
comment only when the comment names them (`otls_x_free`, `_resume()`,
`OTLS_OP_*`), or when they are the length or count of the field above
(`alpn_protocols_len` after `alpn_protocols`). Comments made of dashes are
section headings, not documentation. The X-macro tables (OTLS_ERRNO_MAP,
OTLS_CAP_MAP) are expanded: each entry is an enum value, documented by its
message.

`generate` writes one page per header and README.md (the index) into
docs/api/. `check` lists every public symbol without documentation — every
function of the checked-in export lists (tests/abi/*.symbols), every type,
field of a public struct, macro and enum value of the headers — and fails
(exit 1) when there is one, or when the pages in docs/api/ are not exactly
what `generate` writes now. Python 3 standard library only; the output
depends on nothing but the headers.
"""

import argparse
import bisect
import difflib
import os
import re
import sys

IDENT = re.compile(r"[A-Za-z_]\w*")
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# --------------------------------------------------------------------------
# Lexing: comments, preprocessor directives and declarations, with lines
# --------------------------------------------------------------------------


class Item:
    """One comment, directive or declaration of a header (or of a body)."""

    def __init__(self, kind, start, end, text, line0, line1):
        self.kind = kind  # comment | directive | decl | invoke
        self.start, self.end = start, end
        self.text = text
        self.line0, self.line1 = line0, line1  # first and last line (1-based)
        self.trailing = False  # comment: on the line where a declaration ends
        self.doc = None  # directive: its own trailing comment text


class Source:
    def __init__(self, path, rel):
        with open(path, encoding="utf-8") as f:
            self.text = f.read()
        self.rel = rel
        self.nl = [i for i, c in enumerate(self.text) if c == "\n"]

    def line(self, pos):
        return bisect.bisect_left(self.nl, pos) + 1


def skip_comment(text, i):
    """i at '/*' or '//': the index after the comment."""
    if text.startswith("//", i):
        j = text.find("\n", i)
        return len(text) if j < 0 else j
    j = text.find("*/", i + 2)
    return len(text) if j < 0 else j + 2


def skip_string(text, i):
    q = text[i]
    i += 1
    while i < len(text) and text[i] != q:
        i += 2 if text[i] == "\\" else 1
    return i + 1


def match_close(text, i, stop):
    """i at an opening bracket: the index after its match."""
    depth = 0
    while i < stop:
        c = text[i]
        if text.startswith("/*", i) or text.startswith("//", i):
            i = skip_comment(text, i)
            continue
        if c in "\"'":
            i = skip_string(text, i)
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return stop


def at_line_start(text, i):
    j = text.rfind("\n", 0, i) + 1
    return text[j:i].strip() == ""


def lex(src, start, stop, mode):
    """Items of text[start:stop]; mode is 'top', 'struct' or 'enum'."""
    text = src.text
    items = []
    i = start
    while i < stop:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if text.startswith("/*", i) or text.startswith("//", i):
            j = min(skip_comment(text, i), stop)
            it = Item("comment", i, j, text[i:j], src.line(i), src.line(j - 1))
            prev = items[-1] if items else None
            it.trailing = bool(prev and prev.kind != "comment" and prev.line1 == it.line0)
            items.append(it)
            i = j
            continue
        if c == "#" and at_line_start(text, i):
            j = i
            while j < stop:
                if text.startswith("/*", j):
                    j = skip_comment(text, j)
                    continue
                if text[j] == "\n":
                    k = j - 1
                    while k > i and text[k] in " \t\r":
                        k -= 1
                    if text[k] != "\\":
                        break
                j += 1
            it = Item("directive", i, j, text[i:j], src.line(i), src.line(j - 1))
            items.append(it)
            i = j
            continue
        # A line holding only an upper-case name (OTLS_BEGIN_DECLS) or, in an
        # enum, a macro call (OTLS_ERRNO_MAP(OTLS__ERRNO_ENUM)).
        eol = text.find("\n", i)
        eol = stop if eol < 0 or eol > stop else eol
        rest = text[i:eol].strip()
        if (mode != "enum" and re.fullmatch(r"[A-Z][A-Z0-9_]*", rest)) or (
            mode == "enum" and re.fullmatch(r"[A-Za-z_]\w*\s*\([^()]*\)", rest)
        ):
            items.append(Item("invoke", i, eol, rest, src.line(i), src.line(i)))
            i = eol
            continue
        # A declaration: up to ';' (',' in an enum) outside brackets, or the
        # end of a function body.
        j = i
        body = None
        while j < stop:
            ch = text[j]
            if text.startswith("/*", j) or text.startswith("//", j):
                k = skip_comment(text, j)
                if mode == "enum" and text[k:stop].strip() == "":
                    break  # the last enumerator's trailing comment
                j = k
                continue
            if ch in "\"'":
                j = skip_string(text, j)
                continue
            if ch == "{":
                k = match_close(text, j, stop)
                head = text[i:j]
                if "(" in head and not re.match(r"\s*(typedef|struct|enum|union)\b", head):
                    j = k  # a function definition (static inline)
                    break
                body = (j + 1, k - 1)
                j = k
                continue
            if ch in "([":
                j = match_close(text, j, stop)
                continue
            if ch == ";" or (mode == "enum" and ch == ","):
                j += 1
                break
            j += 1
        it = Item("decl", i, j, text[i:j], src.line(i), src.line(max(i, j - 1)))
        it.body = body
        items.append(it)
        i = j
    return items


# --------------------------------------------------------------------------
# Comments to text
# --------------------------------------------------------------------------


def comment_lines(raw):
    """The lines of a comment without its markers, relative indentation kept."""
    if raw.startswith("//"):
        return [raw[2:].strip()]
    body = raw[2:-2] if raw.endswith("*/") else raw[2:]
    lines = body.split("\n")
    out = []
    for n, ln in enumerate(lines):
        s = ln.rstrip()
        if n == 0:
            s = s[1:] if s.startswith(" ") else s.lstrip()
        else:
            t = s.lstrip()
            if t.startswith("*"):
                t = t[1:]
                s = t[1:] if t.startswith(" ") else t
            else:
                s = t
        out.append(s)
    while out and not out[0].strip():
        out.pop(0)
    while out and not out[-1].strip():
        out.pop()
    return out


def comment_text(raw):
    return "\n".join(comment_lines(raw))


def is_rule(raw):
    t = comment_text(raw).strip()
    return t != "" and set(t) <= set("-=")


def section_title(raw):
    """'--- moving ciphertext ---' -> 'moving ciphertext', else None."""
    m = re.fullmatch(r"-{3,}\s*(.*?)\s*-*", comment_text(raw).strip(), re.S)
    return m.group(1) if m and m.group(1) else None


# --------------------------------------------------------------------------
# Symbols
# --------------------------------------------------------------------------


class Sym:
    """A public name: function, type, field, macro or enum value."""

    def __init__(self, name, kind, header, line, decl):
        self.name, self.kind, self.header, self.line = name, kind, header, line
        self.decl = decl  # the declaration as shown in the reference
        self.doc = None  # its own documentation text (trailing comment, table)
        self.documented = False
        self.parent = None  # the struct of a field
        self.anchor = None
        self.extra = {}


class Entry:
    """A doc comment and the declarations it documents (or one undocumented)."""

    def __init__(self, doc):
        self.doc = doc  # comment text or None
        self.members = []  # Sym
        self.heading = None  # section heading entry when set


def names_in(doc):
    """Which identifiers, _suffixes and PREFIX* wildcards a comment names."""
    words = set(re.findall(r"(?<![\w])[A-Za-z]\w*", doc))
    suffixes = set(re.findall(r"(?<![\w])(_[A-Za-z]\w*)", doc))
    prefixes = set(re.findall(r"(?<![\w])([A-Za-z]\w*_)\*", doc))
    return words, suffixes, prefixes


def names_member(doc, name):
    words, suffixes, prefixes = names_in(doc)
    if name in words:
        return True
    if any(name.endswith(s) and len(name) > len(s) for s in suffixes):
        return True
    return any(name.startswith(p) for p in prefixes)


def squash(s):
    """A declaration on one line: comments dropped, blanks collapsed."""
    s = re.sub(r"/\*.*?\*/", " ", s, flags=re.S)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"\(\s+", "(", s)
    s = re.sub(r"\s+\)", ")", s)
    s = re.sub(r"\s+;", ";", s)
    return s


def decl_name(text):
    """(name, kind) of a declaration, or (None, None)."""
    s = squash(text)
    while True:  # a body's contents do not name the declaration
        t = re.sub(r"\{[^{}]*\}", "{}", s)
        if t == s:
            break
        s = t
    if re.match(r"(typedef\s+)?(struct|union|enum)\s+\w+\s*;$", s):
        return None, None  # a forward declaration
    if s.startswith("typedef"):
        m = re.search(r"\(\s*\*\s*(\w+)\s*\)\s*\(", s)
        if m:
            return m.group(1), "callback type"
        m = re.search(r"(\w+)\s*(\[[^\]]*\])?\s*;$", s)
        kind = "struct" if re.match(r"typedef\s+struct\s+\w*\s*\{", s) else "type"
        return (m.group(1), kind) if m else (None, None)
    m = re.match(r"enum\s+(\w+)\s*\{", s)
    if m:
        return m.group(1), "enum"
    head = s.split("{", 1)[0]
    m = re.search(r"\(\s*\*\s*(\w+)\s*\)\s*\(", head)
    if m:
        return m.group(1), "field"
    m = re.search(r"(\w+)\s*\(", head)
    if m:
        return m.group(1), "function"
    m = re.search(r"(\w+)\s*(\[[^\]]*\])?\s*(:\s*\d+)?\s*;$", s)
    if m:
        return m.group(1), "field"
    return None, None


def shown_decl(text):
    s = squash(text)
    s = re.sub(r"^OTLS_EXTERN\s+", "", s)
    if "{" in s and not s.startswith(("typedef", "enum", "struct")):
        s = s.split("{", 1)[0].strip() + " { ... }"  # a static inline body
    return s


class Header:
    def __init__(self, path, rel, page):
        self.src = Source(path, rel)
        self.rel, self.page = rel, page
        self.doc = ""  # the file comment
        self.blocks = []  # ('section', title) | ('entry', Entry)
        self.syms = []  # every public name, in header order
        self.includes = []
        self.guard = None
        self.xmaps = {}  # X-macro name -> (params, [(category, args)])
        self.issues = []  # (line, message)


def parse_xmap(directive):
    """'#define OTLS_ERRNO_MAP(X) X(a, 1, "n", "m") ...' -> (param, entries)."""
    m = re.match(r"#\s*define\s+(\w+)\(\s*(\w+)\s*\)(.*)", directive, re.S)
    if not m:
        return None
    body, xp = m.group(3), m.group(2)
    entries = []
    category = ""
    xcall = re.compile(r"\b%s\s*\(" % re.escape(xp))
    i = 0
    while i < len(body):
        if body.startswith("/*", i):
            j = skip_comment(body, i)
            category = comment_text(body[i:j]).strip()
            i = j
            continue
        mm = xcall.match(body, i)
        if mm:
            j = match_close(body, mm.end() - 1, len(body))
            entries.append((category, split_args(body[mm.end() : j - 1])))
            i = j
            continue
        i += 1
    return m.group(1), entries


def split_args(s):
    args, depth, cur, i = [], 0, "", 0
    while i < len(s):
        c = s[i]
        if c == '"':
            j = skip_string(s, i)
            cur += s[i:j]
            i = j
            continue
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c == "," and depth == 0:
            args.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    args.append(cur)
    out = []
    for a in args:
        a = re.sub(r"\\\s*\n", " ", a).strip()
        strs = re.findall(r'"((?:[^"\\]|\\.)*)"', a)
        if strs and re.fullmatch(r'(\s*"(?:[^"\\]|\\.)*"\s*)+', a):
            out.append(("str", "".join(strs).replace('\\"', '"').replace("\\\\", "\\")))
        else:
            out.append(("code", a))
    return out


def build_entries(hdr, items, parent=None, enum=None):
    """Group items into entries and register the symbols they declare."""
    blocks = []
    group = None
    last_end = -10
    pending_rules = []
    first = True
    cond = []  # the #if branches around a definition
    for idx, it in enumerate(items):
        if it.kind == "comment" and it.trailing:
            if group and group.members:
                m = group.members[-1]
                t = comment_text(it.text).strip()
                m.doc = (m.doc + " " + t) if m.doc else t
                m.documented = m.documented or bool(t)
                if m.kind == "field" and m.extra.get("by") is None and len(group.members) > 1:
                    # documented by itself, not by the comment above: its own entry
                    group.members.pop()
                    group = Entry(None)
                    group.members.append(m)
                    blocks.append(("entry", group))
            last_end = it.line1
            continue
        adjacent = it.line0 <= last_end + 1
        last_end = it.line1
        if not adjacent:
            group = None
        if it.kind == "comment":
            if first and parent is None and enum is None and not blocks and not hdr.doc:
                hdr.doc = comment_text(it.text)
                first = False
                continue
            first = False
            if is_rule(it.text):
                group = None
                continue
            title = section_title(it.text)
            nxt = items[idx + 1] if idx + 1 < len(items) else None
            prv = items[idx - 1] if idx > 0 else None
            banner = (
                prv is not None and nxt is not None and prv.kind == nxt.kind == "comment"
                and is_rule(prv.text) and is_rule(nxt.text)
                and prv.line1 + 1 == it.line0 and it.line1 + 1 == nxt.line0
            )
            if title or banner:
                blocks.append(("section", title or comment_text(it.text).strip()))
                group = None
                continue
            group = Entry(comment_text(it.text))
            blocks.append(("entry", group))
            continue
        first = False
        if it.kind == "invoke":
            if enum is not None:
                expand_enum_invoke(hdr, it, enum, group)
            group = None if enum is None else group
            continue
        if it.kind == "directive":
            d = it.text
            m = re.match(r"#\s*(\w+)\s*(.*)", d, re.S)
            word, rest = m.group(1), m.group(2)
            if word in ("if", "ifdef", "ifndef", "elif", "else", "endif"):
                if word == "ifndef" and hdr.guard is None and parent is None:
                    hdr.guard = rest.strip()
                    cond.append(None)
                elif word in ("if", "ifdef", "ifndef"):
                    cond.append([squash(d), squash(d)])
                elif word == "elif" and cond and cond[-1]:
                    cond[-1][1] = squash(d)
                elif word == "else" and cond and cond[-1]:
                    cond[-1][1] = "#else (of %s)" % cond[-1][0]
                elif word == "endif" and cond:
                    cond.pop()
                continue  # transparent: the group goes on across #if blocks
            if word == "include":
                hdr.includes.append(rest.strip())
                group = None
                continue
            if word != "define":
                group = None
                continue
            mm = re.match(r"(\w+)(\([^)]*\))?", rest)
            name, params = mm.group(1), mm.group(2)
            if name == hdr.guard or name.startswith("OTLS__") or undefined_later(items, idx, name):
                if enum is not None and params:
                    enum["helpers"][name] = d
                group = None if enum is None else group
                continue
            value = re.sub(r"/\*.*?\*/", " ", rest[mm.end() :], flags=re.S)
            value = re.sub(r"\\\s*\n", " ", value).strip()
            tdoc = None
            cm = re.search(r"/\*(.*?)\*/\s*$", d, re.S)
            if cm and "\\\n" not in d:
                tdoc = comment_text(cm.group(0)).strip()
            kind = "macro"
            xm = parse_xmap(d) if params else None
            where = [c[1] for c in cond if c]
            if xm and xm[1]:
                hdr.xmaps[name] = xm[1]
                kind = "X-macro table"
                shown = "#define %s%s \\\n  %s \\\n  ..." % (name, params, first_x(d))
            elif params:
                shown = "#define %s%s %s" % (name, params, value)
            else:
                shown = ("#define %s %s" % (name, value)).rstrip()
            if where:
                shown += "  /* %s */" % " && ".join(where)
            existing = [s for s in hdr.syms if s.name == name]
            if existing:  # a second definition (#if / #else branches)
                existing[0].decl += "\n" + shown
                if group is not None and group.doc and names_member(group.doc, name):
                    existing[0].documented = True
                continue
            sym = Sym(name, kind, hdr, it.line0, shown)
            sym.extra["params"] = params
            sym.extra["value"] = value
            sym.doc = tdoc
            add_member(hdr, blocks, group, sym)
            if group is None:
                group = blocks[-1][1]
            continue
        # a declaration
        if enum is not None:
            s = squash(it.text).rstrip(",").strip()
            if not s:
                continue
            mm = re.match(r"(\w+)\s*(=\s*(.*))?$", s)
            name = mm.group(1)
            sym = Sym(name, "enum value", hdr, it.line0, s)
            sym.extra["value"] = (mm.group(3) or "").strip()
            sym.parent = enum["sym"]
            enum["values"].append(sym)
            add_member(hdr, blocks, group, sym)
            if group is None:
                group = blocks[-1][1]
            continue
        name, kind = decl_name(it.text)
        if name is None:
            # forward declaration: shown with its comment, not a symbol
            if group is not None and not group.members:
                group.members.append(Sym(None, "declaration", hdr, it.line0, shown_decl(it.text)))
            group = None
            continue
        if parent is not None:
            kind = "field"
        sym = Sym(name, kind, hdr, it.line0, shown_decl(it.text))
        sym.parent = parent
        add_member(hdr, blocks, group, sym)
        if group is None:
            group = blocks[-1][1]
        if it.body and kind == "struct":
            body_items = lex(hdr.src, it.body[0], it.body[1], "struct")
            sym.extra["fields"] = build_entries(hdr, body_items, parent=sym)
            sym.decl = struct_decl(sym)
        elif it.body and kind == "enum":
            en = {"sym": sym, "values": [], "helpers": {}}
            body_items = lex(hdr.src, it.body[0], it.body[1], "enum")
            sym.extra["values"] = build_entries(hdr, body_items, enum=en)
            sym.extra["enum"] = en
            sym.decl = "enum %s { ... };" % name
    return blocks


def first_x(d):
    m = re.search(r"\bX\s*\(", d)
    if not m:
        return ""
    j = match_close(d, m.end() - 1, len(d))
    return re.sub(r"\\\s*\n\s*", "", d[m.start() : j])


def undefined_later(items, idx, name):
    for it in items[idx + 1 :]:
        if it.kind == "directive":
            m = re.match(r"#\s*undef\s+(\w+)", it.text)
            if m and m.group(1) == name:
                return True
    return False


def add_member(hdr, blocks, group, sym):
    if group is None:
        group = Entry(None)
        blocks.append(("entry", group))
    prev = [m for m in group.members if m.name]
    by = None  # how the comment above documents it
    if group.doc and not prev:
        by = "first"
    elif group.doc and names_member(group.doc, sym.name):
        by = "named"
    elif prev and sym.name in (prev[-1].name + "_len", prev[-1].name + "_count") and prev[-1].documented:
        by = "companion"
    sym.extra["by"] = by
    sym.documented = bool(sym.doc) or by is not None
    group.members.append(sym)
    hdr.syms.append(sym)


def expand_enum_invoke(hdr, it, enum, group):
    """OTLS_ERRNO_MAP(OTLS__ERRNO_ENUM) inside an enum: its enumerators."""
    m = re.fullmatch(r"(\w+)\s*\(\s*(\w+)\s*\)", it.text)
    if not m or m.group(1) not in hdr.xmaps or m.group(2) not in enum["helpers"]:
        hdr.issues.append((it.line0, "cannot expand %s in enum %s" % (it.text, enum["sym"].name)))
        return
    hd = enum["helpers"][m.group(2)]
    hm = re.match(r"#\s*define\s+\w+\(([^)]*)\)\s*(.*)", hd, re.S)
    params = [p.strip() for p in hm.group(1).split(",")]
    tmpl = hm.group(2)
    nm = re.search(r"(\w*)##(\w+)", tmpl)
    vm = re.search(r"=\s*\(?\s*(\w+)\s*\)?", tmpl)
    pfx, npar = nm.group(1), params.index(nm.group(2))
    vpar = params.index(vm.group(1)) if vm and vm.group(1) in params else None
    cols = [p for k, p in enumerate(params) if k not in (npar, vpar)]
    enum["columns"] = cols
    enum["xmap"] = m.group(1)
    for category, args in hdr.xmaps[m.group(1)]:
        name = pfx + args[npar][1]
        sym = Sym(name, "enum value", hdr, it.line0, name)
        sym.extra["value"] = args[vpar][1] if vpar is not None else ""
        sym.extra["cells"] = [args[k][1] for k in range(len(args)) if k not in (npar, vpar)]
        sym.extra["category"] = category
        sym.parent = enum["sym"]
        strings = [a[1] for a in args if a[0] == "str"]
        sym.documented = bool(strings and strings[-1].strip())
        enum["values"].append(sym)
        hdr.syms.append(sym)


def struct_decl(sym):
    lines = ["typedef struct %s {" % sym.name]
    for kind, e in sym.extra["fields"]:
        if kind == "entry":
            for f in e.members:
                if f.name:
                    lines.append("  " + f.decl)
    lines.append("} %s;" % sym.name)
    return "\n".join(lines)


def public_headers(include):
    found = []
    top = os.path.join(include, "omnitls.h")
    if os.path.isfile(top):
        found.append((top, "omnitls.h", "omnitls.md"))
    sub = os.path.join(include, "omnitls")
    if os.path.isdir(sub):
        for f in sorted(os.listdir(sub)):
            if f.endswith(".h") and os.path.isfile(os.path.join(sub, f)):
                found.append((os.path.join(sub, f), "omnitls/" + f, f[:-2] + ".md"))
    return found


def parse_all(include):
    headers = []
    for path, rel, page in public_headers(include):
        h = Header(path, rel, page)
        h.blocks = build_entries(h, lex(h.src, 0, len(h.src.text), "top"))
        headers.append(h)
    assign_anchors(headers)
    return headers


def assign_anchors(headers):
    syms = [s for h in headers for s in h.syms]
    lower = {}
    for s in syms:
        if s.kind in ("function", "type", "struct", "enum", "callback type"):
            lower.setdefault(s.name.lower(), s)
    for s in syms:
        if s.kind == "field":
            s.anchor = "%s.%s" % (s.parent.name, s.name)
        elif s.kind in ("macro", "X-macro table", "enum value"):
            a = s.name.lower()
            s.anchor = a + "-macro" if a in lower else a
        else:
            s.anchor = s.name.lower()


# --------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------


class Linker:
    def __init__(self, headers):
        self.targets = {}
        for h in headers:
            for s in h.syms:
                if s.kind != "field" and s.name not in self.targets:
                    self.targets[s.name] = (h.page, s.anchor)
        self.page = None
        self.own = set()

    def code(self, ident):
        """A code span for an identifier, linked when it is a public symbol."""
        base = ident[:-2] if ident.endswith("()") else ident
        t = self.targets.get(base)
        span = "`%s`" % ident
        if t is None or base in self.own:
            return span
        href = ("#" + t[1]) if t[0] == self.page else "%s#%s" % t
        return "[%s](%s)" % (span, href)


SYMBOL_TOKEN = re.compile(r"(?<![\w.])((?:otls|OTLS)_\w*\*?(?:\(\))?|_[A-Za-z]\w*(?:\(\))?)")


def inline(text, lk):
    """Comment text (one paragraph) as Markdown inline text."""
    parts = re.split(r"(`[^`\n]*`)", text)
    out = []
    for p in parts:
        if len(p) >= 2 and p.startswith("`") and p.endswith("`"):
            inner = p[1:-1]
            if re.fullmatch(r"\w+(\(\))?", inner):
                out.append(lk.code(inner))
            else:
                out.append(p)
            continue
        pos = 0
        for m in SYMBOL_TOKEN.finditer(p):
            out.append(escape(p[pos : m.start()]))
            out.append(lk.code(m.group(1)))
            pos = m.end()
        out.append(escape(p[pos:]))
    s = "".join(out)
    if re.match(r"[#>+=|-]|\d+[.)]\s", s):
        s = "\\" + s
    return s


def escape(s):
    s = s.replace("\\", "\\\\").replace("`", "\\`").replace("*", "\\*").replace("~", "\\~")
    s = s.replace("<", "&lt;").replace("[", "\\[").replace("]", "\\]")
    s = re.sub(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])", r"\\_", s)
    return s


def md_blocks(text):
    """Split comment text into ('p', text) / ('li', text) / ('code', text)."""
    blocks = []
    mode, buf = None, []

    def flush():
        nonlocal mode, buf
        if buf:
            if mode == "code":
                ind = min(len(b) - len(b.lstrip()) for b in buf if b.strip())
                blocks.append(("code", "\n".join(b[ind:] for b in buf)))
            else:
                blocks.append((mode, " ".join(b.strip() for b in buf)))
        mode, buf = None, []

    for ln in text.split("\n"):
        if not ln.strip():
            flush()
            continue
        ind = len(ln) - len(ln.lstrip())
        if ind <= 1 and re.match(r"\s*- ", ln):
            flush()
            mode, buf = "li", [ln.strip()[2:]]
        elif mode == "li" and ind >= 2:
            buf.append(ln)
        elif ind >= 2:
            if mode != "code":
                flush()
                mode = "code"
            buf.append(ln)
        else:
            if mode != "p":
                flush()
                mode = "p"
            buf.append(ln)
    flush()
    return blocks


def render_text(text, lk, indent=""):
    out = []
    prev = None
    for kind, t in md_blocks(text):
        if out and not (kind == "li" and prev == "li"):
            out.append("")
        if kind == "code":
            out.append(indent + "```text")
            out.extend((indent + l).rstrip() for l in t.split("\n"))
            out.append(indent + "```")
        elif kind == "li":
            out.append(indent + "- " + inline(t, lk))
        else:
            out.append(indent + inline(t, lk))
        prev = kind
    return out


def cell(s):
    return s.replace("|", "\\|")


def entry_heading(names):
    if len(names) > 4:
        pre = os.path.commonprefix(names)
        if len(pre) > 3:
            return "`%s*`" % pre
    return ", ".join("`%s`" % n for n in names)


def display(sym):
    if sym.kind == "function":
        return sym.name + "()"
    if sym.kind == "enum":
        return "enum " + sym.name
    if sym.kind in ("macro", "X-macro table") and sym.extra.get("params"):
        return sym.name + sym.extra["params"].replace(" ", "")
    return sym.name


def render_entry(e, lk, out):
    syms = [m for m in e.members if m.name]
    lk.own = set(m.name for m in syms)
    out.append("")
    for m in syms:
        out.append('<a id="%s"></a>' % m.anchor)
    if syms:
        out.append("### " + entry_heading([display(m) for m in syms]))
    else:
        out.append("### `%s`" % e.members[0].decl.rstrip(";"))
    out.append("")
    tabled = len(syms) > 1 and all(m.kind == "macro" for m in syms) and any(m.doc for m in syms)
    if tabled:
        out.append("| Macro | Value | Meaning |")
        out.append("|---|---|---|")
        for m in syms:
            out.append("| `%s` | `%s` | %s |" % (m.name, cell(m.extra["value"]), cell(inline(m.doc or "", lk))))
    else:
        out.append("```c")
        for m in e.members:
            out.append(m.decl + ("  /* %s */" % m.doc if m.doc and m.kind != "struct" else ""))
        out.append("```")
    if e.doc:
        out.append("")
        out.extend(render_text(e.doc, lk))
    for m in syms:
        if m.kind == "struct":
            render_fields(m, lk, out)
        elif m.kind == "enum":
            render_enum(m, lk, out)
        elif m.kind == "X-macro table":
            users = [s for s in m.header.syms if s.kind == "enum" and s.extra["enum"].get("xmap") == m.name]
            if users:
                out.append("")
                out.append("Its entries are the values of %s (listed there)." % lk.code(users[0].name))
    lk.own = set()


def render_fields(sym, lk, out):
    out.append("")
    out.append("Fields:")
    for kind, e in sym.extra["fields"]:
        if kind == "section":
            out.append("")
            out.append("*%s*" % escape(e))
            continue
        fields = [f for f in e.members if f.name]
        if not fields:
            continue
        out.append("")
        anchors = "".join('<a id="%s"></a>' % f.anchor for f in fields)
        decls = " ".join("`%s`" % f.decl for f in fields)
        out.append("- %s%s" % (anchors, decls))
        texts = []
        if e.doc:
            texts.append(e.doc)
        for f in fields:
            if f.doc:
                texts.append(("`%s`: " % f.name if len(fields) > 1 else "") + f.doc)
        for t in texts:
            out.append("")
            out.extend(render_text(t, lk, indent="  "))


def render_enum(sym, lk, out):
    en = sym.extra["enum"]
    cols = en.get("columns", [])
    out.append("")
    names = {"msg": "Message", "desc": "Description"}
    head = ["Constant", "Value"] + [names.get(c, c.capitalize()) for c in cols] + ["Meaning"]
    if cols:
        head = head[:-1]
    out.append("| " + " | ".join(head) + " |")
    out.append("|" + "---|" * len(head))
    prev_value, category = None, None
    docs = {}
    for kind, e in sym.extra["values"]:
        if kind == "entry":
            for k, m in enumerate(e.members):
                d = [m.doc] if m.doc else []
                if e.doc and (k == 0 or names_member(e.doc, m.name)):
                    d.insert(0, e.doc)
                docs[m.name] = " ".join(x.replace("\n", " ") for x in d)
    for v in en["values"]:
        value = v.extra.get("value", "")
        if not value and prev_value is not None and re.fullmatch(r"-?\d+", prev_value):
            value = str(int(prev_value) + 1)
        prev_value = value
        cat = v.extra.get("category")
        if cat and cat != category:
            category = cat
            out.append("| *%s* |%s" % (cell(escape(cat)), " |" * (len(head) - 1)))
        first = '<a id="%s"></a>`%s`' % (v.anchor, v.name)
        if "cells" in v.extra:
            cells = ["`%s`" % v.extra["cells"][0]] + [cell(inline(c, lk)) for c in v.extra["cells"][1:]]
            cells = cells[: len(cols)]
            out.append("| %s | `%s` | %s |" % (first, value, " | ".join(cells)))
        else:
            row = [first, "`%s`" % value] + [""] * len(cols)
            if cols:
                row[-1] = cell(inline(docs.get(v.name, ""), lk))
            else:
                row.append(cell(inline(docs.get(v.name, ""), lk)))
            out.append("| " + " | ".join(row) + " |")


def first_sentence(text):
    t = " ".join(text.split())
    t = re.sub(r"^omnitls\s+—\s+", "", t)
    m = re.match(r"(.+?[.?])(\s|$)", t)
    s = m.group(1) if m else t
    s = s[:1].upper() + s[1:]
    return s if s.endswith(("?", ".")) else s + "."


def render_header(h, headers, lk):
    lk.page = h.page
    out = ["<!-- Generated by scripts/apidoc.py from include/%s: do not edit. -->" % h.rel]
    out.append("")
    out.append("# `<%s>`" % h.rel)
    out.append("")
    out.append("[API reference index](README.md)")
    if h.doc:
        out.append("")
        intro = re.sub(r"^omnitls\s+—\s+", "", h.doc)
        out.extend(render_text(intro[:1].upper() + intro[1:], lk))
    incs = []
    pages = {x.rel: x.page for x in headers}
    for inc in h.includes:
        m = re.fullmatch(r'"(?:\.\./)?(?:omnitls/)?([\w./]+)"', inc)
        if m:
            name = m.group(1)
            key = name if name == "omnitls.h" else "omnitls/" + name
            if key in pages:
                incs.append("[`<%s>`](%s)" % (key, pages[key]))
    if incs:
        out.append("")
        out.append("Includes: " + ", ".join(incs) + ".")
    for kind, b in h.blocks:
        if kind == "section":
            out.append("")
            out.append("## " + escape(b[:1].upper() + b[1:]))
        else:
            render_entry(b, lk, out)
    out.append("")
    return "\n".join(out)


def render_index(headers, lk):
    lk.page = "README.md"
    out = ["<!-- Generated by scripts/apidoc.py from include/: do not edit. -->", ""]
    out.append("# omnitls API reference")
    out.append("")
    out.append(
        "Generated from the comments of the public headers by `scripts/apidoc.py`. "
        "To change a page, change the comment in the header and regenerate: "
        "`cmake --build build/all --target docs`. The test `docs.api-reference` "
        "(CTest label `docs`) fails when a public symbol has no documentation or "
        "when these pages are out of date."
    )
    out.append("")
    out.append(
        "The conventions that hold for every function (return values, ownership, "
        "buffers, threads) are stated once, in [`<omnitls/common.h>`](common.md)."
    )
    out.append("")
    out.append("## Headers")
    out.append("")
    out.append("| Header | Contents |")
    out.append("|---|---|")
    for h in headers:
        out.append("| [`<%s>`](%s) | %s |" % (h.rel, h.page, cell(inline(first_sentence(h.doc), lk)) if h.doc else ""))
    out.append("")
    out.append("## Symbols")
    out.append("")
    out.append("Every function, type, macro and enum value, then every field of the public structs.")
    out.append("")
    out.append("| Symbol | Kind | Header |")
    out.append("|---|---|---|")
    syms = [s for h in headers for s in h.syms if s.kind != "field"]
    for s in sorted(syms, key=lambda s: (s.name.lower(), s.name)):
        out.append("| [`%s`](%s#%s) | %s | `%s` |" % (display(s), s.header.page, s.anchor, s.kind, s.header.rel))
    out.append("")
    out.append("### Fields")
    out.append("")
    out.append("| Field | Struct | Header |")
    out.append("|---|---|---|")
    fields = [s for h in headers for s in h.syms if s.kind == "field"]
    for s in sorted(fields, key=lambda s: (s.parent.name, s.name)):
        out.append("| [`%s`](%s#%s) | `%s` | `%s` |" % (s.name, s.header.page, s.anchor, s.parent.name, s.header.rel))
    out.append("")
    return "\n".join(out)


def generate(headers):
    lk = Linker(headers)
    pages = {}
    for h in headers:
        pages[h.page] = render_header(h, headers, lk)
    pages["README.md"] = render_index(headers, lk)
    return pages


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------


def read_symbols(path):
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]


def undocumented(headers, symbol_files):
    problems = []
    declared = {}
    for h in headers:
        for line, msg in h.issues:
            problems.append("include/%s:%d: %s" % (h.rel, line, msg))
        for s in h.syms:
            if s.kind == "function":
                declared.setdefault(s.name, s)
            if not s.documented:
                what = "field %s.%s" % (s.parent.name, s.name) if s.kind == "field" else "%s %s" % (s.kind, s.name)
                problems.append("include/%s:%d: undocumented %s" % (h.rel, s.line, what))
    for path in symbol_files:
        for name in read_symbols(path):
            if name not in declared:
                problems.append(
                    "%s: exported function %s is not declared in a public header"
                    % (os.path.basename(path), name)
                )
    return problems


def compare(pages, out_dir):
    problems = []
    have = set()
    if os.path.isdir(out_dir):
        have = set(f for f in os.listdir(out_dir) if f.endswith(".md"))
    for name in sorted(set(pages) | have):
        path = os.path.join(out_dir, name)
        if name not in pages:
            problems.append("%s: not generated from any header (remove it)" % path)
            continue
        if name not in have:
            problems.append("%s: missing" % path)
            continue
        with open(path, encoding="utf-8") as f:
            old = f.read()
        if old != pages[name]:
            diff = list(
                difflib.unified_diff(
                    old.splitlines(), pages[name].splitlines(), "committed", "generated", lineterm="", n=1
                )
            )
            problems.append("%s: out of date\n    %s" % (path, "\n    ".join(diff[:30])))
    return problems


def write_pages(pages, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    for name in sorted(os.listdir(out_dir)):
        if name.endswith(".md") and name not in pages:
            os.remove(os.path.join(out_dir, name))
    for name, text in sorted(pages.items()):
        path = os.path.join(out_dir, name)
        old = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                old = f.read()
        if old != text:
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("command", choices=["generate", "check"])
    ap.add_argument("--include", default=os.path.join(ROOT, "include"), help="the public include directory")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "api"), help="the reference's directory")
    ap.add_argument(
        "--symbols",
        nargs="*",
        default=None,
        help="exported-function lists (default: tests/abi/*.symbols next to --include)",
    )
    a = ap.parse_args(argv)
    if not public_headers(a.include):
        print("apidoc: no public headers in %s" % a.include, file=sys.stderr)
        return 2
    headers = parse_all(a.include)
    pages = generate(headers)
    if a.command == "generate":
        write_pages(pages, a.out)
        print("apidoc: %d pages in %s" % (len(pages), a.out))
        return 0
    if a.symbols is None:
        abi = os.path.join(os.path.dirname(os.path.abspath(a.include)), "tests", "abi")
        a.symbols = sorted(
            os.path.join(abi, f) for f in (os.listdir(abi) if os.path.isdir(abi) else []) if f.endswith(".symbols")
        )
    bad = undocumented(headers, a.symbols)
    stale = compare(pages, a.out)
    for p in bad:
        print("apidoc: " + p)
    if bad:
        print(
            "apidoc: %d public symbol(s) without documentation: write the comment directly "
            "above the declaration (see the header of scripts/apidoc.py for the rules)" % len(bad)
        )
    for p in stale:
        print("apidoc: " + p)
    if stale:
        print("apidoc: the reference is stale: run `cmake --build build/all --target docs` "
              "(or scripts/apidoc.py generate) and commit docs/api/")
    n = sum(len(h.syms) for h in headers)
    if bad or stale:
        return 1
    print("apidoc: %d public symbols in %d headers, all documented; %s is up to date" % (n, len(headers), a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
