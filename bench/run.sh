#!/usr/bin/env bash
# Runs every benchmark in bench/ (each bench/*.sh except this one and helpers sourced by others).
set -uo pipefail
cd "$(dirname "$0")"
status=0
for bench in *.sh; do
  case "$bench" in run.sh|*-env.sh) continue ;; esac
  echo "==> bench/$bench"
  bash "$bench" || status=1
done
exit $status
