#!/usr/bin/env bash
# README code is never copied by hand: every ```rust block in a README is drawn from a
# compiled file, named on the line just above the block:
#
#   <!-- rust: examples/countasync.rs -->          the whole file
#   <!-- rust: src/main.rs#count -->               the region between the lines
#                                                  `// ANCHOR: count` and `// ANCHOR_END: count`
#
# Paths are relative to the README's folder. ANCHOR lines themselves are left out, and a
# region is dedented to its least-indented line (as mdBook's `{{#include file:anchor}}`).
# A whole file is shown without its `output-hook` region (the plumbing every minimal
# program ends with, the same in each: scripts/check-copies.sh keeps it so).
#
#   scripts/readme-code.sh [crate ...]        check: fails, naming the block, if a README's
#                                             Rust differs from its source or has no source
#                                             line (make test: every README)
#   scripts/readme-code.sh --fix [crate ...]  rewrite the blocks from their sources
#                                             (make readme)
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1

fix=0
[ "${1:-}" = --fix ] && { fix=1; shift; }
if [ $# -gt 0 ]; then
  readmes=()
  for c in "$@"; do readmes+=("crates/$c/README.md"); done
else
  readmes=(README.md CONTRIBUTING.md crates/*/README.md)
fi

# Prints README ($1) with every marked ```rust block replaced by its source; reports
# unmarked blocks and missing sources on stderr and exits 1 if there were any.
render() {
  awk -v readme="$1" '
    function fail(msg) { printf "%s:%d: %s\n", readme, NR, msg > "/dev/stderr"; bad = 1 }
    # The lines of FILE (all, or the ANCHOR region NAME) into src[1..n], dedented.
    function load(file, name,    line, inside, found, n, i, ind, min) {
      n = 0; inside = (name == ""); found = inside
      hidden = 0
      while ((getline line < file) > 0) {
        if (name == "" && line ~ /ANCHOR: output-hook[[:space:]]*$/) { hidden = 1; continue }
        if (name == "" && line ~ /ANCHOR_END: output-hook[[:space:]]*$/) { hidden = 0; continue }
        if (hidden) continue
        if (name != "" && line ~ "ANCHOR: " name "[[:space:]]*$") { inside = 1; found = 1; continue }
        if (name != "" && line ~ "ANCHOR_END: " name "[[:space:]]*$") { inside = 0; continue }
        if (line ~ /(\/\/|#) ANCHOR(_END)?: /) continue
        if (inside) src[++n] = line
      }
      close(file)
      if (!found) return -1
      while (n > 0 && src[n] !~ /[^ ]/) n--
      min = -1
      for (i = 1; i <= n; i++) if (src[i] ~ /[^ ]/) {
        match(src[i], /^ */); if (min < 0 || RLENGTH < min) min = RLENGTH
      }
      if (min > 0) for (i = 1; i <= n; i++) src[i] = substr(src[i], min + 1)
      return n
    }
    BEGIN { dir = readme; sub(/[^\/]*$/, "", dir) }
    skipping { if ($0 ~ /^```[[:space:]]*$/) { skipping = 0; print } ; next }
    /^```rust/ {
      print
      if (prev !~ /^<!-- rust: [^ ]+ -->$/) { fail("a ```rust block with no <!-- rust: FILE[#ANCHOR] --> line above it"); next }
      spec = prev; sub(/^<!-- rust: /, "", spec); sub(/ -->$/, "", spec)
      file = spec; name = ""
      if (index(spec, "#")) { file = substr(spec, 1, index(spec, "#") - 1); name = substr(spec, index(spec, "#") + 1) }
      if ((getline probe < (dir file)) < 0) { fail("no such file: " dir file); next }
      close(dir file)
      n = load(dir file, name)
      if (n < 0) { fail("no ANCHOR: " name " in " dir file); next }
      for (i = 1; i <= n; i++) print src[i]
      skipping = 1; prev = ""; next
    }
    { print; prev = $0 }
    END { exit bad }
  ' "$1"
}

status=0
changed=()
for readme in "${readmes[@]}"; do
  [ -f "$readme" ] || continue
  if ! out=$(render "$readme"); then status=1; continue; fi
  if ! diff -q <(printf '%s\n' "$out") "$readme" >/dev/null; then
    if [ $fix -eq 1 ]; then
      printf '%s\n' "$out" >"$readme"
      echo "readme-code: rewrote the Rust blocks of $readme from their sources"
    else
      changed+=("$readme")
      diff -u "$readme" <(printf '%s\n' "$out") --label "$readme (as written)" --label "$readme (from its sources)" | head -n 40 >&2
    fi
  fi
done
if [ ${#changed[@]} -gt 0 ]; then
  echo "readme-code: the Rust in ${changed[*]} differs from the files it comes from;" \
    "change the source and run 'make readme' (scripts/readme-code.sh --fix)" >&2
  status=1
fi
[ $status -eq 0 ] && [ $fix -eq 0 ] && echo "readme-code: every Rust block in the READMEs matches its source"
exit $status
