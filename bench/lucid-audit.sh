#!/usr/bin/env bash
# LucidLink audit ingest against a real PostgreSQL: 1,000,000 generated events in 50 audit logs against a
# 1,000,000-record inventory (loaded with Import-FileInventory), then a steady-state pass with nothing new.
# Targets (2 cores): ≥ 100,000 events/s end to end; an idle pass < 0.5 s; the baseline import
# ≥ 150,000 rows/s (a new root's rows are copied straight into its own partition of file_records, which is
# then keyed and attached; not reached on 2 cores: the COPY alone, with its generated path digest, takes
# 6.1-6.9 s per million rows; README.md has the split).
#   RECORDS=1000000 EVENTS=1000 LOGS=1 bench/lucid-audit.sh      (mostly the import)
#   bench/lucid-audit.sh               (after ./build.sh build; run as root or as a user who can run initdb)
#   RECORDS=1000000 EVENTS=1000000 LOGS=50 bench/lucid-audit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
launcher="$root/output/launcher/disktools"
[ -x "$launcher" ] || { echo "build first: ./build.sh build" >&2; exit 1; }
records=${RECORDS:-1000000}
events=${EVENTS:-1000000}
logs=${LOGS:-50}
work=$(mktemp -d /tmp/disktools-lucid-bench.XXXXXX)
. "$root/bench/postgres-env.sh"
mkdir -p "$work/fs"

echo "== generating $records inventory rows and $events events in $logs logs"
python3 - "$work" "$records" "$events" "$logs" <<'PY'
import os, sys, random, time
work, records, events, logs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.seed(42)
path = lambda i: "d%04d/f%07d.dat" % (i // 1000, i)
with open(os.path.join(work, "inventory.csv"), "w") as f:
    f.write("path,size,modified,accessed\n")
    for i in range(records):
        f.write("%s,%d,2024-06-01T00:00:00Z,2025-01-01T00:00:00Z\n" % (path(i), 1000 + i % 5000))
now = int(time.time() * 1_000_000)
per_log = events // logs
for n in range(logs):
    node, start = "node%02d" % (n % 10), now - 3600_000_000 + n * 60_000_000
    stem = time.strftime("%Y-%m-%dT%H.%M.%SZ", time.gmtime(start / 1e6))
    d = os.path.join(work, "fs", ".lucid_audit", node, stem[:4], stem[5:7])
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, stem + ".log"), "w") as f:
        for k in range(per_log):
            action = "FileRead" if k % 4 else "FileWritten"
            f.write('{"timestamp":%d,"user":{"name":"user%d","id":"u%d"},"device":{"hostName":"ws%d","osName":"Linux","osVersion":"6.8"},'
                    '"event":{"filespace":"fs.bench","nodeId":"%s","filespaceUuid":"3f1c"},'
                    '"operation":{"action":"%s","entryPath":"/%s","fileId":"%d"}}\n'
                    % (start + k, k % 50, k % 50, n, node, action, path(random.randrange(records)), k))
PY

echo "== baseline import"
"$launcher" -Command "\$r = Import-FileInventory -Path '$work/inventory.csv' -Root '$work/fs'; 'imported {0:N0} rows in {1:N2} s ({2:N0} rows/s)' -f \$r.Inserted, \$r.Duration.TotalSeconds, (\$r.Inserted / \$r.Duration.TotalSeconds)"
psql -h 127.0.0.1 -p "$port" -U postgres -d bench -qc "VACUUM ANALYZE file_records" -c "CHECKPOINT" >/dev/null

echo "== ingest"
t0=$(date +%s.%N)
"$launcher" -Command "
  \$r = Watch-LucidAudit -Path '$work/fs' -Once
  'first pass: {0:N0} events from {1} logs, {2:N0} applied, {3:N0} unmatched, {4:N2} s, {5:N0} events/s' -f \$r.EventsRead, \$r.Files, \$r.Applied, \$r.Unmatched, \$r.Duration.TotalSeconds, (\$r.EventsRead / \$r.Duration.TotalSeconds)
  \$s = Watch-LucidAudit -Path '$work/fs' -Once
  'idle pass (same process): {0:N0} events, {1:N3} s' -f \$s.EventsRead, \$s.Duration.TotalSeconds
"
t1=$(date +%s.%N)
awk -v t0="$t0" -v t1="$t1" -v e="$events" 'BEGIN { printf "process wall time incl. start-up, both passes: %.2f s (%.0f events/s)\n", t1-t0, e/(t1-t0) }'
t0=$(date +%s.%N)
"$launcher" -Command "\$s = Watch-LucidAudit -Path '$work/fs' -Once; 'idle pass (new process): {0:N0} events, {1:N3} s' -f \$s.EventsRead, \$s.Duration.TotalSeconds"
t1=$(date +%s.%N)
awk -v t0="$t0" -v t1="$t1" 'BEGIN { printf "idle pass process wall time incl. start-up: %.2f s\n", t1-t0 }'
psql -h 127.0.0.1 -p "$port" -U postgres -d bench -Atc "SELECT 'records touched: ' || count(*) || ', accesses recorded: ' || sum(access_count) FROM file_records WHERE access_count > 0"
