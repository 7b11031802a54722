#!/usr/bin/env bash
# Sets up what a sync session needs on one machine (root): two loop-mounted btrfs volumes with @data and
# .snapshots (source and target) and a private sshd on localhost with its own keys and ssh_config alias.
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
  /usr/sbin/sshd -f "$dir/sshd_config"
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
