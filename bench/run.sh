#!/usr/bin/env bash
# Runs every benchmark in bench/ (each bench/*.sh except this one). Called by ./build.sh bench after a build.
set -euo pipefail
cd "$(dirname "$0")"
status=0
for script in ./*.sh; do
  [ "$(basename "$script")" = run.sh ] && continue
  echo "==> bench: $(basename "$script")" >&2
  bash "$script" || status=1
done
exit $status
