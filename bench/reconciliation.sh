#!/usr/bin/env bash
# Reconciliation against a real PostgreSQL: a first pass over 100k new files without hashing, the same
# with hashing, and a pass over 1M unchanged files — files/s and peak RSS each — plus the SHA-256
# baseline from `openssl speed -evp sha256`.
# Targets (2 cores): 100k new, no hash ≤ 5 s; 1M unchanged ≤ 20 s; hashing ≥ 70% of openssl's per-core rate per worker.
#   bench/reconciliation.sh            (after ./build.sh build; run as root or as a user who can run initdb)
#   FILES_SMALL=100000 FILES_LARGE=1000000 HASH_FILE_KB=64 HASH_FILES=4000 bench/reconciliation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
launcher="$root/output/launcher/disktools"
[ -x "$launcher" ] || { echo "build first: ./build.sh build" >&2; exit 1; }
small=${FILES_SMALL:-100000}
large=${FILES_LARGE:-1000000}
hash_kb=${HASH_FILE_KB:-64}
hash_files=${HASH_FILES:-4000}
work=$(mktemp -d /tmp/disktools-bench.XXXXXX)
. "$root/bench/postgres-env.sh"

# make_tree DIR FILES BYTES: FILES files of BYTES bytes in directories of 1000.
make_tree() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys
root, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = os.urandom(size)
for i in range(n):
    d = os.path.join(root, "d%04d" % (i // 1000))
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%06d.dat" % i), "wb") as f:
        f.write(data)
PY
}

# measure LABEL FILES ARGS...: runs one pass, prints wall time, files/s and peak RSS.
measure() {
  local label=$1 files=$2; shift 2
  local t0 t1 rss
  t0=$(date +%s.%N)
  /usr/bin/time -f '%M' -o "$work/rss" "$launcher" Invoke-Reconciliation "$@" >"$work/out" 2>&1 || { cat "$work/out"; exit 1; }
  t1=$(date +%s.%N)
  rss=$(tail -1 "$work/rss")
  local pass_ms
  pass_ms=$(psql -h 127.0.0.1 -p "$port" -U postgres -d bench -Atc "SELECT duration_ms FROM sync_operations ORDER BY id DESC LIMIT 1")
  local status
  status=$(psql -h 127.0.0.1 -p "$port" -U postgres -d bench -Atc "SELECT status FROM sync_operations ORDER BY id DESC LIMIT 1")
  [ "$status" = completed ] || { echo "pass did not complete ($status):"; cat "$work/out"; exit 1; }
  awk -v l="$label" -v f="$files" -v ms="$pass_ms" -v t0="$t0" -v t1="$t1" -v rss="$rss" 'BEGIN {
    printf "%-34s %9d files  pass %7.2f s  %9.0f files/s  (process %6.2f s incl. start-up)  peak RSS %5.0f MiB\n",
      l, f, ms/1000, f/(ms/1000), t1-t0, rss/1024 }'
}

echo "== SHA-256 baseline (openssl speed -evp sha256, 1 core)"
openssl speed -evp sha256 -seconds 2 2>/dev/null | awk '/^sha256|^SHA256/ {print; for(i=2;i<=NF;i++) v=$i; sub("k","",v); printf "openssl per-core rate (16 KiB blocks): %.0f MB/s\n", v/1000}' | tail -2

echo "== 100k new files"
mkdir -p "$work/small"; make_tree "$work/small" "$small" 100
measure "first pass, no hashing" "$small" -Path "$work/small" -NoHash
psql -h 127.0.0.1 -p "$port" -U postgres -d bench -qc "TRUNCATE file_records, sync_operations" >/dev/null
measure "first pass, hashing (100 B files)" "$small" -Path "$work/small"

echo "== hashing throughput (${hash_kb} KiB files, 1 worker)"
mkdir -p "$work/hash"; make_tree "$work/hash" "$hash_files" $((hash_kb * 1024))
cat "$work"/hash/*/* >/dev/null  # warm the page cache: measure hashing, not the disk
measure "first pass, hashing, 1 worker" "$hash_files" -Path "$work/hash" -MaxConcurrency 1
ms=$(psql -h 127.0.0.1 -p "$port" -U postgres -d bench -Atc "SELECT duration_ms FROM sync_operations ORDER BY id DESC LIMIT 1")
awk -v ms="$ms" -v kb="$hash_kb" -v n="$hash_files" 'BEGIN { printf "hashing rate incl. walk and writes: %.0f MB/s per worker\n", n*kb*1024/1e6/(ms/1000) }'

echo "== 1M unchanged files"
mkdir -p "$work/large"; make_tree "$work/large" "$large" 0
measure "first pass, no hashing (setup)" "$large" -Path "$work/large" -NoHash
measure "second pass, all unchanged" "$large" -Path "$work/large" -NoHash
