#!/usr/bin/env bash
# Runs every benchmark in bench/ (each bench/*.sh except this one) and stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")"
for bench in ./*.sh; do
  [ "$(basename "$bench")" = run.sh ] && continue
  echo "### $(basename "$bench")"
  bash "$bench"
done
