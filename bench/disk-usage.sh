#!/usr/bin/env bash
# Get-DiskUsage against du and gdu, warm cache, on a generated 1,000,000-file tree and on /usr.
#   bench/disk-usage.sh [tree-root]      env: RUNS (default 5), FILES, DIRS, TARGETS (default "<tree> /usr")
# Reports medians of wall time and peak RSS, ratios to du and gdu, and checks the totals equal du's.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
launcher="$repo/output/launcher/disktools"
tree=${1:-${DISKTOOLS_BENCH_TREE:-/tmp/disktools-bench-tree}}
runs=${RUNS:-5}
files=${FILES:-1000000}
dirs=${DIRS:-10000}
timer=/usr/bin/time
[ -x "$launcher" ] || { echo "build first: ./build.sh build" >&2; exit 1; }
[ -x "$timer" ] || { echo "needs GNU time (/usr/bin/time): apt-get install time" >&2; exit 1; }
command -v gdu >/dev/null || { echo "needs gdu: apt-get install gdu" >&2; exit 1; }

if [ ! -f "$tree/.complete" ] || [ "$(cat "$tree/.complete")" != "$files $dirs" ]; then
  echo "generating $files files in $dirs directories under $tree ..." >&2
  rm -rf "$tree"
  python3 "$here/generate-tree.py" "$tree" "$files" "$dirs"
fi

scratch=$(mktemp); trap 'rm -f "$scratch"' EXIT
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# measure LABEL CMD...: runs CMD $runs times under GNU time, prints "label median_wall_s median_rss_kb median_cpu_s".
# CPU seconds (user+sys) are reported too: on a shared machine they are steadier than wall time.
measure() {
  local label=$1; shift
  local times=() rss=() cpu=()
  for _ in $(seq "$runs"); do
    local wall mem user sys
    "$timer" -o "$scratch" -f '%e %M %U %S' "$@" >/dev/null 2>&1 || true
    read -r wall mem user sys < <(tail -1 "$scratch")
    times+=("$wall"); rss+=("$mem"); cpu+=("$(awk -v u="$user" -v s="$sys" 'BEGIN{print u+s}')")
  done
  printf '%s %s %s %s\n' "$label" "$(printf '%s\n' "${times[@]}" | median)" "$(printf '%s\n' "${rss[@]}" | median)" "$(printf '%s\n' "${cpu[@]}" | median)"
}

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %10s %9s %9s %8s\n' target/tool "wall s" "RSS MB" "vs du" "vs gdu" "CPU s"
for target in ${TARGETS:-$tree /usr}; do
  du -s "$target" >/dev/null 2>&1 || true   # warm the cache
  gdu -n -p -s "$target" >/dev/null 2>&1 || true

  # In a warm runspace: one process, the scan repeated, timed inside (wall and process CPU).
  inside_lines=$("$launcher" -Command "
    \$null = Get-DiskUsage -LiteralPath '$target' -Depth 0 -ErrorAction SilentlyContinue
    \$me = [Diagnostics.Process]::GetCurrentProcess()
    foreach (\$i in 1..$runs) {
      \$me.Refresh(); \$cpu = \$me.TotalProcessorTime
      \$clock = [Diagnostics.Stopwatch]::StartNew()
      \$null = Get-DiskUsage -LiteralPath '$target' -Depth 0 -AsSession -ErrorAction SilentlyContinue
      \$wall = \$clock.Elapsed.TotalSeconds; \$me.Refresh()
      '{0} {1}' -f \$wall, (\$me.TotalProcessorTime - \$cpu).TotalSeconds
    }" 2>/dev/null)
  inside=$(echo "$inside_lines" | cut -d' ' -f1 | median)
  inside_cpu=$(echo "$inside_lines" | cut -d' ' -f2 | median)
  process=$(measure process "$launcher" Get-DiskUsage -LiteralPath "$target" -Depth 0 -ErrorAction SilentlyContinue)
  du_line=$(measure du du -s "$target")
  gdu_line=$(measure gdu gdu -n -p -s "$target")
  du_s=$(echo "$du_line" | cut -d' ' -f2); gdu_s=$(echo "$gdu_line" | cut -d' ' -f2)
  row() { awk -v l="$1" -v t="$2" -v r="$3" -v c="$4" -v d="$du_s" -v g="$gdu_s" 'BEGIN { printf "%-28s %10.3f %10s %8.2fx %8.2fx %8.2f\n", l, t, (r == "-" ? "-" : sprintf("%.0f", r/1024)), t/d, t/g, c }'; }
  field() { echo "$1" | cut -d' ' -f"$2"; }
  echo "-- $target"
  row "Get-DiskUsage (runspace)" "$inside" "-" "$inside_cpu"
  row "disktools process" "$(field "$process" 2)" "$(field "$process" 3)" "$(field "$process" 4)"
  row "du -s" "$du_s" "$(field "$du_line" 3)" "$(field "$du_line" 4)"
  row "gdu -n -p -s" "$gdu_s" "$(field "$gdu_line" 3)" "$(field "$gdu_line" 4)"

  ours=$("$launcher" -Command "(Get-DiskUsage -LiteralPath '$target' -Depth 0 -ErrorAction SilentlyContinue).Size" 2>/dev/null | tr -d '[:space:]')
  theirs=$(du -s -B1 "$target" 2>/dev/null | cut -f1)
  if [ "$ours" = "$theirs" ]; then echo "totals: equal to du -s -B1 ($ours bytes)"; else echo "totals: DIFFER: Get-DiskUsage $ours, du $theirs"; fi
done
