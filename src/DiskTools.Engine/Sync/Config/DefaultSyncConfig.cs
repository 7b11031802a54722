namespace DiskTools.Engine.Sync.Config;

/// <summary>The commented config New-SyncConfig writes: every setting, its default, and what it does.</summary>
public static class DefaultSyncConfig
{
    public const string Text = """
        # DiskTools sync configuration (Start-SyncSession).
        # Every key is optional; the values shown are the defaults unless marked "example".
        # Check a file without changing anything:  Start-SyncSession <target> -WhatIf

        # Log levels, most verbose first: DEBUG, FULL, INFO, WARNING, ERROR, CRITICAL.
        # FULL adds one line per file rsync changes. The file log also always keeps the
        # session records Get-SyncSession reads, whatever its level.
        log_file_level: FULL
        log_cli_level: INFO

        # Sync jobs, run one after another in this order. false = configured but skipped.
        sync_jobs:
          folder_sync: false
          dummy_success: false
          dummy_fail: false

        # Free-space guard on both hosts (always on). Values: "N%" or "N GiB/MiB/GB/MB".
        disk:
          preflight_minimum: 20%   # needed before anything starts
          runtime_minimum: 15%     # the session fails if either host drops below this (at most preflight_minimum)
          check_interval: 30       # seconds between checks while the session runs
          path: /                  # whose file system to watch; or {source: /, target: /srv}

        # Read-only snapshots before and after the sync, on both hosts (always on).
        # Named <subvolume>-<presync|postsync>-<yyyyMMddTHHmmss>-<session id>.
        btrfs_snapshots:
          subvolumes: ["@", "@home"]        # flat names as 'btrfs subvolume list' shows them
          filesystem: null                  # where the btrfs top level is mounted; null = the one holding snapshot_directory
                                            # or {source: /mnt/pool, target: /mnt/pool}
          snapshot_directory: /.snapshots   # on the same file system; or {source: ..., target: ...}
          keep_recent: 3                    # sessions whose snapshots are always kept (newest by btrfs creation time;
                                            # manual snapshots and the newest pre-sync one of each subvolume always stay)
          max_age_days: null                # with a number, older sessions go only past this age

        # folder_sync: rsync over SSH (-aHAX --numeric-ids: permissions, owners by id,
        # hard links, ACLs, xattrs). Nothing is deleted on the target unless delete: true,
        # and delete: true needs the target inside a subvolume snapshotted above (or, to
        # accept deletions no snapshot can undo, delete_without_snapshot: true on the folder).
        # The snapshot directory and DiskTools' own data/log/lock directories are never synced.
        folder_sync:
          delete: false            # default for every folder
          bwlimit_kib: 0           # bandwidth limit in KiB/s; 0 = none
          folders:
            - path: /home          # example: the same path on both hosts
              filter: null         # example: /etc/disktools/home.rules (rsync filter rules)
            # - source: /srv/data  # example: different paths per host
            #   target: /backup/data
            #   delete: true

        # Test jobs that exercise the machinery without touching data.
        dummy_success:
          duration_seconds: 5
          log_error: false         # true: log an ERROR, which fails the session
        dummy_fail:
          duration_seconds: 5
          fail_at_percent: 50
        """;
}
