#!/usr/bin/env bash
# Sets up what a sync session needs on one machine (root): two loop-mounted btrfs volumes with @data and
# .snapshots (source and target) and a private sshd on localhost with its own keys and ssh_config alias,
# isolated like another machine (own mount namespace, machine id and /run).
# Source it, then call sync_env_up <dir> [size]; sync_env_down <dir> removes everything.
sync_env_up() {
  local dir=$1 size=${2:-1G}
  mkdir -p "$dir"
  for side in source target; do
    truncate -s "$size" "$dir/$side.img"
    mkfs.btrfs -q -f "$dir/$side.img" >/dev/null
    mkdir -p "$dir/$side"
    mount -o loop "$dir/$side.img" "$dir/$side"
    btrfs -q subvolume create "$dir/$side/@data" >/dev/null
    mkdir -p "$dir/$side/.snapshots"
  done
  ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/id_ed25519"
  cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat > "$dir/sshd_config" <<CFG
Port $port
ListenAddress 127.0.0.1
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
PermitRootLogin yes
StrictModes no
MaxSessions 50
CFG
  # The target is another machine as far as the session can tell: sshd runs in its own mount namespace with
  # its own /etc/machine-id and a private /run (its own lock directory), as the test fixture's target does.
  python3 -c 'import uuid; print(uuid.uuid4().hex)' > "$dir/machine-id"
  unshare -m --propagation slave sh -c '
    set -e
    mount -t tmpfs -o mode=755 disktools-run /run
    mkdir -m 755 /run/sshd
    mount --bind "$1" /etc/machine-id
    exec /usr/sbin/sshd -f "$2"' sh "$dir/machine-id" "$dir/sshd_config"
  echo "[127.0.0.1]:$port $(cat "$dir/host_key.pub")" > "$dir/known_hosts"
  cat > "$dir/ssh_config" <<CFG
Host disktools-bench
  HostName 127.0.0.1
  Port $port
  User $(id -un)
  IdentityFile $dir/id_ed25519
  UserKnownHostsFile $dir/known_hosts
  IdentitiesOnly yes
CFG
}

sync_env_down() {
  local dir=$1
  [ -f "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null
  for side in source target; do umount "$dir/$side" 2>/dev/null; done
  rm -rf "$dir"
}
