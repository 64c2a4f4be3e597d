# shellcheck shell=bash
# Sourced by the benchmark scripts: the statistics their summaries print.

# The median of the numbers on standard input, one a line ("nan" when there are none).
median() {
  sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# A / B with two decimals, or "-" when B is zero.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "-"; else printf "%.2f", a / b }'; }
