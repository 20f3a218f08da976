#!/usr/bin/env bash
# Check that the C in the guides is the C that is compiled and tested.
#
#   check-snippets.sh SOURCE_DIR DOC.md...
#
# A fenced block preceded by the line
#     <!-- snippet: examples/guide/hello_client.c -->
# must be a run of consecutive whole lines of that file (path relative to
# SOURCE_DIR), character for character. A ```c block of more than
# MAX_UNMARKED lines without such a marker fails too: long C in a guide must
# come from a file that the test suite builds and runs.
set -euo pipefail
src=${1:?usage: check-snippets.sh SOURCE_DIR DOC.md...}
shift
[ "$#" -gt 0 ] || { echo "check-snippets.sh: no documents given" >&2; exit 2; }
status=0
for doc in "$@"; do
  [ -f "$doc" ] || { echo "FAIL: $doc does not exist"; status=1; continue; }
  awk -v src="$src" -v doc="$doc" -v max_unmarked="${MAX_UNMARKED:-8}" '
    function check(path, first,    n, line, i, j, ok, lines) {
      n = 0
      while ((getline line < (src "/" path)) > 0)
        lines[++n] = line
      if (n == 0) {
        printf "FAIL: %s:%d: %s is missing or empty\n", doc, first, path
        bad = 1
        return
      }
      close(src "/" path)
      for (i = 1; i + nb - 1 <= n; i++) {
        ok = 1
        for (j = 1; j <= nb; j++)
          if (lines[i + j - 1] != block[j]) { ok = 0; break }
        if (ok) { checked++; return }
      }
      printf "FAIL: %s:%d: the snippet is not the text of %s\n", doc, first, path
      for (j = 1; j <= nb; j++) {
        for (i = 1; i <= n; i++) if (lines[i] == block[j]) break
        if (i > n) { printf "  first line not in the file: %s\n", block[j]; break }
      }
      bad = 1
    }
    /^<!-- snippet: [^ ]+ -->$/ { marked = $3; marked_at = NR; next }
    !infence && /^```/ {
      infence = 1; nb = 0; lang = substr($0, 4); first = NR + 1
      path = (marked_at == NR - 1) ? marked : ""
      next
    }
    infence && /^```$/ {
      infence = 0
      if (path != "") check(path, first)
      else if (lang == "c" && nb > max_unmarked) {
        printf "FAIL: %s:%d: %d lines of C with no <!-- snippet: FILE --> marker\n", doc, first, nb
        bad = 1
      }
      next
    }
    infence { block[++nb] = $0; next }
    END {
      if (infence) { printf "FAIL: %s: unterminated code fence\n", doc; bad = 1 }
      printf "%s: %d snippet(s) checked\n", doc, checked
      exit bad
    }
  ' "$doc" || status=1
done
[ "$status" = 0 ] && echo "PASS: every marked snippet is the text of its file"
exit "$status"
