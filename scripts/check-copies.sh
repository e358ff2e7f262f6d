#!/usr/bin/env bash
# Some code must be the same in every crate, yet crates stand alone, so each holds a copy.
# scripts/template/ holds the one source of each; this check fails, naming the file, when
# a crate's copy differs from it (make test). To change one: edit the template, then copy.
#
#   src/output.rs           the summary writer and the output hook of the measured demo
#   src/trace.rs            the `--trace` writer (Chrome Trace Event Format)
#   exercises/checking.rs   what every exercise check shares (run and measure a program)
#   tests/common/mod.rs     the helpers every crate's tests use
#   examples/*.rs           the region `// ANCHOR: output-hook` .. `// ANCHOR_END: output-hook`
#   python/*.py             the regions `# ---- the command-line frame` .. `# ---- end of the frame`
#                           and `# ---- the trace writer` .. `# ---- end of the trace writer`
#
#   scripts/check-copies.sh [crate ...]          check (make test)
#   scripts/check-copies.sh --fix [crate ...]    copy each source over the crates' copies
set -euo pipefail
cd "$(dirname "$0")/.." || exit 1
t=scripts/template
fix=0
[ "${1:-}" = --fix ] && { fix=1; shift; }

# region FILE START END: the lines from the one matching START to the one matching END.
region() { awk -v s="$2" -v e="$3" 'index($0, s) == 1 { on = 1 } on { print } on && index($0, e) == 1 { exit }' "$1"; }

hook_start='// ANCHOR: output-hook' hook_end='// ANCHOR_END: output-hook'
frame_start='# ---- the command-line frame' frame_end='# ---- end of the frame'
hook=$(region "$t/examples/__SNAKE__.rs" "$hook_start" "$hook_end")
frame=$(region "$t/python/__NAME__.py" "$frame_start" "$frame_end")
writer_start='# ---- the trace writer' writer_end='# ---- end of the trace writer'
writer=$(region "$t/python/__NAME__.py" "$writer_start" "$writer_end")

if [ $# -gt 0 ]; then crates=("$@"); else crates=(); for d in crates/*/; do crates+=("$(basename "$d")"); done; fi
bad=0
differs() { echo "check-copies: $1 differs from its source $2 (scripts/check-copies.sh --fix copies it)" >&2; bad=1; }
# put_region FILE START END TEXT: FILE with its START..END region replaced by TEXT.
put_region() {
  local tmp; tmp=$(mktemp)
  printf '%s\n' "$4" >"$tmp.region"
  awk -v s="$2" -v e="$3" -v r="$tmp.region" '
    index($0, s) == 1 { while ((getline line < r) > 0) print line; skip = 1; next }
    skip && index($0, e) == 1 { skip = 0; next }
    !skip { print }' "$1" >"$tmp" && cat "$tmp" >"$1"
  rm -f "$tmp" "$tmp.region"
}
for c in "${crates[@]}"; do
  d=crates/$c
  for f in src/output.rs src/trace.rs exercises/checking.rs tests/common/mod.rs; do
    cmp -s "$d/$f" "$t/$f" && continue
    if [ $fix -eq 1 ]; then mkdir -p "$(dirname "$d/$f")"; cp "$t/$f" "$d/$f"; else differs "$d/$f" "$t/$f"; fi
  done
  for f in "$d"/examples/*.rs; do
    [ -f "$f" ] || continue
    [ "$(region "$f" "$hook_start" "$hook_end")" = "$hook" ] && continue
    if [ $fix -eq 1 ] && grep -q "^$hook_start" "$f"; then put_region "$f" "$hook_start" "$hook_end" "$hook"
    else differs "$f (its output-hook region)" "$t/examples/__SNAKE__.rs"; fi
  done
  for f in "$d"/python/*.py; do
    [ -f "$f" ] || continue
    if [ "$(region "$f" "$frame_start" "$frame_end")" != "$frame" ]; then
      if [ $fix -eq 1 ] && grep -q "^$frame_start" "$f"; then put_region "$f" "$frame_start" "$frame_end" "$frame"
      else differs "$f (its command-line frame)" "$t/python/__NAME__.py"; fi
    fi
    if [ "$(region "$f" "$writer_start" "$writer_end")" != "$writer" ]; then
      if [ $fix -eq 1 ] && grep -q "^$writer_start" "$f"; then put_region "$f" "$writer_start" "$writer_end" "$writer"
      elif [ $fix -eq 1 ]; then
        # No writer yet: put it just before the frame.
        put_region "$f" "$frame_start" "$frame_end" "$writer"$'\n\n\n'"$frame"
      else differs "$f (its trace writer)" "$t/python/__NAME__.py"; fi
    fi
  done
done
[ $bad -eq 0 ] && [ $fix -eq 0 ] && echo "check-copies: every copy in ${#crates[@]} crate(s) matches scripts/template/"
[ $fix -eq 1 ] && echo "check-copies: copied scripts/template/'s sources into ${#crates[@]} crate(s)"
exit $bad
