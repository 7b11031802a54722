#!/usr/bin/env bash
# How long a sync session over 10,000 files takes end to end, and where the time goes.
# Needs root (loop-mounted btrfs), sshd, rsync and the built launcher (./build.sh build).
#   bench/sync.sh [files]    default 10000
# Prints: the session's wall time, the split per phase read from the session log's timestamps, and
# plain rsync over the same ssh for comparison (the floor the session's own overhead sits on).
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-10000}
launcher=output/launcher/disktools
[ -x "$launcher" ] || { echo "build first: ./build.sh build" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "bench/sync.sh needs root (loop-mounted btrfs)" >&2; exit 1; }
. bench/sync-env.sh
dir=$(mktemp -d /tmp/disktools-bench-sync.XXXXXX)
trap 'sync_env_down "$dir"' EXIT
sync_env_up "$dir" 2G

echo "creating $files files (4 KiB each, 100 per folder) on the source..." >&2
python3 - "$dir/source/@data/tree" "$files" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
block = os.urandom(4096)
for i in range(n):
    d = os.path.join(root, f"d{i // 100:04d}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:06d}.bin"), "wb") as f:
        f.write(block[:4000] + i.to_bytes(8, "little"))
PY
mkdir -p "$dir/target/@data"
cat > "$dir/sync.yaml" <<CFG
log_file_level: FULL
disk: { path: { source: $dir/source, target: $dir/target }, check_interval: 30 }
btrfs_snapshots:
  subvolumes: ["@data"]
  filesystem: { source: $dir/source, target: $dir/target }
  snapshot_directory: { source: $dir/source/.snapshots, target: $dir/target/.snapshots }
sync_jobs: { folder_sync: true }
folder_sync:
  folders: [{ source: $dir/source/@data/tree, target: $dir/target/@data/tree }]
CFG
export XDG_DATA_HOME="$dir/xdg" XDG_RUNTIME_DIR="$dir/run"
mkdir -p "$XDG_RUNTIME_DIR"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true

start=$(date +%s.%N)
"$launcher" -Command "\$s = Start-SyncSession disktools-bench -SshConfigPath '$dir/ssh_config' -ConfigPath '$dir/sync.yaml'; \$s.Status; \$s.ErrorMessage"
end=$(date +%s.%N)
copied=$(find "$dir/target/@data/tree" -type f | wc -l)
printf 'session over %d files: %.1f s wall (launcher start included); %d files on the target\n' "$files" "$(echo "$end - $start" | bc)" "$copied"

python3 - "$XDG_DATA_HOME"/disktools/logs/*.jsonl <<'PY'
import json, sys
from datetime import datetime
lines = [json.loads(l) for l in open(sys.argv[1])]
t = lambda d: datetime.fromisoformat(d["timestamp"].replace("Z", "+00:00"))
def at(pred):
    for d in lines:
        if pred(d): return t(d)
marks = [
    ("config + local lock", at(lambda d: d.get("record") == "session_started"), at(lambda d: d["event"].startswith("Connecting"))),
    ("ssh connect + hostname", at(lambda d: d["event"].startswith("Connecting")), at(lambda d: d.get("record") == "session_hosts")),
    ("prerequisites + target lock", at(lambda d: d.get("record") == "session_hosts"), at(lambda d: d.get("to_state") == "Validating")),
    ("validation (df, btrfs layout, folders)", at(lambda d: d.get("to_state") == "Validating"), at(lambda d: d.get("to_state") == "Executing")),
    ("pre-sync snapshots (both hosts)", at(lambda d: d.get("to_state") == "Executing"), at(lambda d: d["event"] == "Job folder_sync started")),
    ("folder_sync (rsync)", at(lambda d: d["event"] == "Job folder_sync started"), at(lambda d: d.get("record") == "job_result" and d.get("job_name") == "folder_sync")),
    ("post-sync snapshots + retention", at(lambda d: d.get("record") == "job_result" and d.get("job_name") == "folder_sync"), at(lambda d: d.get("to_state") in ("Completed", "Cleanup"))),
    ("teardown (locks, ssh, log)", at(lambda d: d.get("to_state") in ("Completed", "Cleanup")), at(lambda d: d.get("record") == "session_finished")),
]
total = (t(lines[-1]) - t(lines[0])).total_seconds()
print(f"session log: {len(lines)} lines, {total:.1f} s from first to last")
for name, a, b in marks:
    if a and b: print(f"  {name:42s} {(b - a).total_seconds():7.2f} s")
items = sum(1 for d in lines if d.get("level") == "FULL" and "change" in d)
print(f"  itemized changes logged at FULL: {items}")
PY

rm -rf "$dir/target/@data/tree2"
# Cold caches for both runs alike: the session's preflight (du) would otherwise warm them for the rsync after it.
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
start=$(date +%s.%N)
rsync -aHAX --numeric-ids --secluded-args -e "ssh -F $dir/ssh_config" "$dir/source/@data/tree/" "disktools-bench:$dir/target/@data/tree2/"
end=$(date +%s.%N)
printf 'plain rsync -aHAX of the same tree over the same ssh: %.1f s\n' "$(echo "$end - $start" | bc)"
