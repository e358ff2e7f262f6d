# shellcheck shell=bash
# What the scripts share, sourced by bench.sh, compare.sh and run-demos.sh: one reader of
# the closing `summary: key=value ...` line every demo and twin prints.

# summary_value KEY FILE: the value of KEY in FILE's summary line (empty if it has none).
summary_value() {
  awk -v key="$1" '/^summary: / { for (i = 2; i <= NF; i++) if (index($i, key "=") == 1) { print substr($i, length(key) + 2); exit } }' "$2"
}

# summary_headline FILE KEYS...: "key=value key=value" for the KEYS present in FILE's summary.
summary_headline() {
  local file=$1 key value out=""; shift
  for key in "$@"; do
    value=$(summary_value "$key" "$file")
    [ -n "$value" ] && out+="$key=$value "
  done
  echo "${out% }"
}
