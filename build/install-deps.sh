#!/usr/bin/env bash
# Installs the system packages the test suite uses for real: PostgreSQL, sshd and ssh, btrfs-progs,
# rsync (and gdu and GNU time, used by the benchmarks). Skips apt-get entirely when everything is already there.
set -euo pipefail
need=()
have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
for pkg in postgresql openssh-server openssh-client btrfs-progs rsync gdu time util-linux bsdutils procps; do
  have "$pkg" || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages: ${need[*]}; run as root (or: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
echo "installing: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The packaged services must not run: the tests start their own instances on loopback.
for svc in postgresql ssh; do
  (command -v service >/dev/null && service "$svc" stop >/dev/null 2>&1) || true
done
