# The environment each documented example runs in, keyed by (file, example number); README blocks are
# 'README.md#<language>: <section heading>' (with ' (2)' for a second block of a section). The examples' text is never edited: an entry may only
#   Substitute  replace a placeholder in the text with a fixture's value (a host name, a path, a literal
#               connection string or hash), each with the reason; every Find must occur in the example
#   Needs       fixtures: Postgres (a fresh database; $env:DISKTOOLS_CONNECTION and PG* point at it),
#               Btrfs (a fresh loop-mounted volume with top-level subvolumes @ and @home, snapshot
#               directory {{Snapshots}}), Ssh (the shared sshd; the aliases nas, backup-nas and backup01
#               in ~/.ssh/config lead to it), Sync (two btrfs volumes with @data and a default sync config
#               at ~/.config/disktools/sync.yaml copying {{Source}}/@data/photos to the target through an
#               sshd that is another machine: a namespace of its own, reached by the same aliases)
#   WorkingDirectory  where it runs, when not the scratch directory
#   Prologue    statements typed before the example (preferences, the user's own functions)
#   Setup       a scriptblock run first in the test process with the context (make trees, snapshots, data)
#   Interrupt   @{ When = { condition }; Statement = 'text' }: press Ctrl+C once the condition holds — for
#               examples that run until Ctrl+C; Statement names the statement it stops
#   AllowErrors error ids the example is about (they are checked by Check instead)
#   Expect / NotExpect  regexes the rendered output must / must not match; Check: a scriptblock of Should
#               assertions in the test process afterwards ($Context, $Result)
#   ImportsModule  the example imports DiskTools itself (pwsh starts without it)
#   Bind        instead of running: why it cannot run here; the example is then parsed and bound only
# Every example runs with HOME in a scratch directory (~/.ssh/config, ~/.config, ~/.local/share there,
# XDG_CONFIG_HOME and XDG_DATA_HOME unset) and the scratch directory as the working directory.

$snapshotDefault = "`$PSDefaultParameterValues['*-BtrfsSnapshot:SnapshotDirectory'] = '{{Snapshots}}'; `$PSDefaultParameterValues['*-BtrfsSnapshot:SshConfigPath'] = '~/.ssh/config'"
$syncDefault = "`$PSDefaultParameterValues['Start-SyncSession:SshConfigPath'] = '~/.ssh/config'"
$why = @{
    Snapshots = 'snapshots are taken on the fixture volume, so its snapshot directory stands in for /.snapshots through $PSDefaultParameterValues (the user''s own default), not through the text; OpenSSH reads ~/.ssh/config from the passwd home, not $HOME, so the stand-in home''s config is passed the same way'
    Photos    = '/srv/photos stands for any tree; a scratch tree with Photos/2024 and Photos/2023 is used'
    Lucid     = '/mnt/lucid/acme is a LucidLink filespace; a scratch directory with a .lucid_audit trail in the documented layout stands in'
    Connection = 'the documented connection string names a database the reader has; the fixture database replaces it'
    SyncSsh   = 'ssh reads ~/.ssh/config from the passwd home, not $HOME, so the stand-in home''s config is passed to Start-SyncSession by $PSDefaultParameterValues (what a user with a separate config does)'
}

@{
    # ---------------------------------------------------------------- Get-BtrfsSnapshot
    'Get-BtrfsSnapshot.md#1' = @{
        Needs = 'Btrfs'; Prologue = $snapshotDefault; Because = $why.Snapshots
        Setup = { param($c) New-ExampleSnapshot $c '@' manual '20250101T000000' '0000aaaa'; New-ExampleSnapshot $c '@home' presync '20250102T000000' '0000bbbb' }
        Expect = '0000aaaa', '0000bbbb'
    }
    'Get-BtrfsSnapshot.md#2' = @{
        Needs = 'Btrfs', 'Ssh'; Prologue = $snapshotDefault; Because = "$($why.Snapshots); nas is an alias in ~/.ssh/config for the fixture sshd on this machine"
        Setup = { param($c) New-ExampleSnapshot $c '@' manual '20250101T000000' 'abc12345'; New-ExampleSnapshot $c '@home' manual '20250101T000000' 'abc12345'; New-ExampleSnapshot $c '@' manual '20250103T000000' '0000cccc' }
        Expect = '\s@\s+Manual\s+abc12345', '@home\s+Manual\s+abc12345'; NotExpect = '0000cccc'
    }
    'Get-BtrfsSnapshot.md#3' = @{
        Needs = 'Btrfs'; Prologue = $snapshotDefault; Because = $why.Snapshots
        Setup = { param($c) New-ExampleSnapshot $c '@home' presync '20250101T000000' '0000aaaa'; New-ExampleSnapshot $c '@' presync '20250101T000000' '0000aaaa'; New-ExampleSnapshot $c '@home' manual '20250102T000000' '0000bbbb' }
        Expect = '@home\s+PreSync\s+0000aaaa'; NotExpect = '0000bbbb', '\s@\s+PreSync'
    }

    # ---------------------------------------------------------------- Get-DiskToolsDependency
    'Get-DiskToolsDependency.md#1' = @{ Because = 'needs nothing but the module'; Expect = 'Npgsql', 'YamlDotNet', 'DiskTools\s' }
    'Get-DiskToolsDependency.md#2' = @{
        Because = 'needs nothing but the module; an empty result is the documented success'
        Check = { param($c, $r) $r.StandardOutput.Trim() | Should -BeNullOrEmpty -Because 'every library comes from the module folder' }
    }
    'Get-DiskToolsDependency.md#3' = @{ Because = 'needs nothing but the module'; Expect = 'InformationalVersion', 'Npgsql\s+\d' }

    # ---------------------------------------------------------------- Get-DiskUsage
    'Get-DiskUsage.md#1' = @{
        Because = 'the working directory is a scratch tree with two subdirectories'
        Setup = { param($c) New-ExampleTree $c.Scratch @{ 'big/a.bin' = 200000; 'small/b.txt' = 10 } }
        Expect = 'big', 'small'
    }
    'Get-DiskUsage.md#2' = @{ Because = 'the real /var of this machine'; Expect = '/var/' }
    'Get-DiskUsage.md#3' = @{ Because = 'the real /home and /srv of this machine'; Expect = '/home', '/srv', 'Completed' }
    'Get-DiskUsage.md#4' = @{
        Substitute = @(@{ Find = '/data'; Replace = '{{Scratch}}/data'; Because = '/data stands for a large tree; a scratch tree is used' })
        Setup = { param($c) New-ExampleTree "$($c.Scratch)/data" @{ 'x/y/z.bin' = 5000; 'w.bin' = 100 } }
        Expect = 'Completed'
    }
    'Get-DiskUsage.md#5' = @{
        Substitute = @(@{ Find = 'Get-ChildItem / -Directory'; Replace = 'Get-ChildItem {{Scratch}}/root -Directory'; Because = 'all of / takes minutes here and /proc changes while read; a scratch tree stands in for it' })
        Setup = { param($c) New-ExampleTree "$($c.Scratch)/root" @{ 'etc/a' = 100; 'usr/b' = 300000; 'var/c' = 40000 } }
        Check = { param($c, $r) ($r.StandardOutput -split "`n" | Select-String -Pattern '/root/(etc|usr|var)\s*$' | ForEach-Object { $_.Matches[0].Groups[1].Value }) | Should -Be 'usr', 'var', 'etc' -Because 'Sort-Object Size -Descending orders them' }
    }
    'Get-DiskUsage.md#6' = @{
        Because = 'the real /usr; the documented claim is checked: both numbers are equal'
        Check = { param($c, $r) $numbers = @($r.StandardOutput -split "`n" | Where-Object { $_ -match '^\d' } | ForEach-Object { [long] ($_ -split '\s+')[0] }); $numbers.Count | Should -Be 2; $numbers[0] | Should -Be $numbers[1] }
    }

    # ---------------------------------------------------------------- Inventory
    'Get-FileRecord.md#1' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/srv/photos'; Replace = '{{Photos}}'; Because = $why.Photos })
        Setup = { param($c) New-ExamplePhotos $c; Invoke-Reconciliation -Path $c.Photos -ConnectionString $c.Connection | Out-Null }
        Check = { param($c, $r) @($r.StandardOutput -split "`n" | Where-Object { $_ -match '^\s+\d+\s+\d{4}-\d\d-\d\d ' }).Count | Should -Be 2 -Because 'a.jpg and b.jpg are under Photos/2024, c.jpg is not' }
    }
    'Get-FileRecord.md#2' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/tmp/a.jpg'; Replace = '{{Photos}}/Photos/2024/a.jpg'; Because = 'a file of the reconciled scratch tree; another file there has the same content' })
        Setup = { param($c) New-ExamplePhotos $c; Copy-Item "$($c.Photos)/Photos/2024/a.jpg" "$($c.Photos)/Photos/2023/copy-of-a.jpg"; Invoke-Reconciliation -Path $c.Photos -ConnectionString $c.Connection | Out-Null }
        Check = { param($c, $r) @($r.StandardOutput -split "`n" | Where-Object { $_ -match '^\s+\d+\s+\d{4}-\d\d-\d\d ' }).Count | Should -Be 2 -Because 'a.jpg and its copy have that content, b.jpg and c.jpg do not' }
    }
    'Get-ReconciliationStatus.md#1' = @{
        Needs = 'Postgres'; Because = 'one reconciled scratch tree is registered'
        Setup = { param($c) New-ExamplePhotos $c; Invoke-Reconciliation -Path $c.Photos -ConnectionString $c.Connection | Out-Null }
        Expect = '\s3\s+False\s+manual\s+completed'; NotExpect = '#ERR'
    }
    'Get-ReconciliationOperation.md#1' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/srv/photos'; Replace = '{{Photos}}'; Because = $why.Photos })
        Setup = { param($c) New-ExamplePhotos $c; 1..6 | ForEach-Object { Invoke-Reconciliation -Path $c.Photos -NoHash -ConnectionString $c.Connection | Out-Null } }
        Check = { param($c, $r) @($r.StandardOutput -split "`n" | Where-Object { $_ -match '\b(completed|Completed)\b' }).Count | Should -Be 5 }
    }
    'Get-ReconciliationOperation.md#2' = @{
        Needs = 'Postgres'; Because = 'two registered trees with two passes each: one line per root'
        Setup = { param($c) New-ExamplePhotos $c; $other = "$($c.Scratch)/other"; New-ExampleTree $other @{ 'x.txt' = 1 }
            foreach ($root in $c.Photos, $other, $c.Photos, $other) { Invoke-Reconciliation -Path $root -NoHash -ConnectionString $c.Connection | Out-Null } }
        Check = { param($c, $r) @($r.StandardOutput -split "`n" | Where-Object { $_ -match '\bcompleted\b' }).Count | Should -Be 2 }
    }
    'Get-ReconciliationOperation.md#3' = @{
        Needs = 'Postgres'; Because = 'a registered tree with a completed pass: the filter leaves nothing'
        Setup = { param($c) New-ExamplePhotos $c; Invoke-Reconciliation -Path $c.Photos -NoHash -ConnectionString $c.Connection | Out-Null }
        Check = { param($c, $r) $r.StandardOutput.Trim() | Should -BeNullOrEmpty }
    }
    'Invoke-Reconciliation.md#1' = @{
        Needs = 'Postgres'
        Substitute = @(
            @{ Find = 'Host=localhost;Database=inventory;Username=me'; Replace = '{{Connection}}'; Because = $why.Connection }
            @{ Find = '/srv/photos'; Replace = '{{Photos}}'; Because = $why.Photos })
        Setup = { param($c) New-ExamplePhotos $c }
        Expect = 'completed|Completed'
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT count(*) FROM file_records WHERE content_hash IS NOT NULL" | Should -Be 3 }
    }
    'Invoke-Reconciliation.md#2' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/srv/photos'; Replace = '{{Photos}}'; Because = $why.Photos })
        Setup = { param($c) New-ExamplePhotos $c; New-ExampleTree $c.Photos @{ 'video.part' = 10; 'cache/thumb.bin' = 10 } }
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT string_agg(file_path, ',' ORDER BY file_path) FROM file_records" | Should -Be 'Photos/2023/c.jpg,Photos/2024/a.jpg,Photos/2024/b.jpg' }
    }
    'Invoke-Reconciliation.md#3' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/srv/photos'; Replace = '{{Photos}}'; Because = $why.Photos })
        Setup = { param($c) New-ExamplePhotos $c }
        Interrupt = @{ Because = 'it follows changes until Ctrl+C: pressed once a file made after the startup pass is recorded'
            When = { param($c)
                if (-not $c.ContainsKey('Touched')) {
                    if ((Invoke-ExampleSql $c "SELECT count(*) FROM pg_tables WHERE tablename = 'sync_operations'") -eq 0) { return $false }
                    if ((Invoke-ExampleSql $c "SELECT count(*) FROM sync_operations WHERE status = 'completed'") -eq 0) { return $false }
                    [System.IO.File]::WriteAllText("$($c.Photos)/Photos/2024/new.jpg", 'new'); $c.Touched = $true
                }
                (Invoke-ExampleSql $c "SELECT count(*) FROM file_records WHERE file_path = 'Photos/2024/new.jpg'") -eq 1 } }
    }
    'Import-FileInventory.md#1' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Setup = { param($c) New-ExampleFilespace $c; New-ExampleCsv "$($c.Scratch)/scan-2025-11.csv" }
        Expect = 'Inserted|3'
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT count(*) FROM file_records" | Should -Be 3 }
    }
    'Import-FileInventory.md#2' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Setup = { param($c) New-ExampleFilespace $c; New-ExampleParquet "$($c.Scratch)/scan.parquet" -BadRow }
        AllowErrors = 'InventoryImportRowInvalid'; Because = 'the example is about bad rows: the baseline has one, reported by row number'
        Expect = 'scan\.parquet row 2'
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT count(*) FROM file_records" | Should -Be 2 }
    }
    'Import-FileInventory.md#3' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Because = 'the legacy export holds a name with an é in Windows-1252'
        Setup = { param($c) New-ExampleFilespace $c
            [System.IO.File]::WriteAllBytes("$($c.Scratch)/legacy-scan.csv", [System.Text.Encoding]::Latin1.GetBytes("path,size,modified,accessed`ncaf$([char]0xE9).txt,4,2025-01-01T00:00:00Z,`n")) }
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT file_path FROM file_records" | Should -Be "caf$([char]0xE9).txt" }
    }
    'Set-FileTierState.md#1' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Because = 'the baseline has a video last used long ago, one used recently and a text file'
        Setup = { param($c) New-ExampleFilespace $c
            $recent = [datetime]::UtcNow.AddDays(-3).ToString('yyyy-MM-ddTHH:mm:ssZ')
            Set-Content -LiteralPath "$($c.Scratch)/tier.csv" -Value 'path,size,modified,accessed', 'Projects/old.mov,10,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z', "Projects/new.mov,10,2024-01-01T00:00:00Z,$recent", 'notes.txt,1,2024-01-01T00:00:00Z,2024-01-01T00:00:00Z'
            Import-FileInventory -Path "$($c.Scratch)/tier.csv" -Root $c.Filespace -ConnectionString $c.Connection | Out-Null }
        Expect = 'What if:.*old\.mov'; NotExpect = 'new\.mov', 'notes\.txt'
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT count(*) FROM file_records WHERE tier_state = 'planned'" | Should -Be 0 -Because '-WhatIf changes nothing' }
    }
    'Set-FileTierState.md#2' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Because = 'the baseline has the two videos'
        Setup = { param($c) New-ExampleFilespace $c
            Set-Content -LiteralPath "$($c.Scratch)/tier.csv" -Value 'path,size,modified,accessed', 'Projects/2023/a.mov,10,2024-01-01T00:00:00Z,', 'Projects/2023/b.mov,10,2024-01-01T00:00:00Z,', 'Projects/2023/c.mov,10,2024-01-01T00:00:00Z,'
            Import-FileInventory -Path "$($c.Scratch)/tier.csv" -Root $c.Filespace -ConnectionString $c.Connection | Out-Null }
        Expect = 'stubbed'
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT string_agg(file_path, ',' ORDER BY file_path) FROM file_records WHERE tier_state = 'stubbed'" | Should -Be 'Projects/2023/a.mov,Projects/2023/b.mov' }
    }
    'Set-FileTierState.md#3' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Because = 'one record was rehydrated, one is stubbed'
        Setup = { param($c) New-ExampleFilespace $c -Baseline
            $null = Invoke-ExampleSql $c "UPDATE file_records SET tier_state = 'rehydrated' WHERE file_path = 'cold.mov'"
            $null = Invoke-ExampleSql $c "UPDATE file_records SET tier_state = 'stubbed' WHERE file_path = 'hot.txt'" }
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT string_agg(file_path || '=' || tier_state, ',' ORDER BY file_path) FROM file_records WHERE file_path IN ('cold.mov', 'hot.txt')" | Should -Be 'cold.mov=none,hot.txt=stubbed' }
    }
    'Get-UnmatchedAuditEvent.md#1' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Because = 'one pass applied the trail, in which one read is of a file the inventory does not know'
        Setup = { param($c) New-ExampleFilespace $c -Baseline -Events -Unmatched; Watch-LucidAudit -Path $c.Filespace -Once -ConnectionString $c.Connection -WarningAction SilentlyContinue | Out-Null }
        Expect = 'unknown\.txt'; NotExpect = 'cold\.mov'
    }
    'Get-UnmatchedAuditEvent.md#2' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Because = 'one pass applied the trail, in which one read is of a file the inventory does not know'
        Setup = { param($c) New-ExampleFilespace $c -Baseline -Events -Unmatched; Watch-LucidAudit -Path $c.Filespace -Once -ConnectionString $c.Connection -WarningAction SilentlyContinue | Out-Null }
        Expect = '\s1\s+/?unknown\.txt'
    }
    'Watch-LucidAudit.md#1' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Setup = { param($c) New-ExampleFilespace $c -Baseline -Events }
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT count(*) FROM file_records WHERE last_accessed >= '2025-11-29'" | Should -Be 2 }
    }
    'Watch-LucidAudit.md#2' = @{
        Needs = 'Postgres'; Substitute = @(@{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Prologue = "function Send-Alert([string] `$Message) { `"ALERT: `$Message`"; Add-Content -LiteralPath '{{Scratch}}/alerts.txt' -Value `$Message }"
        Because = 'Send-Alert is the reader''s own alerting command; a stand-in writes the message to a file and the output'
        Setup = { param($c) New-ExampleFilespace $c -Baseline -Events -Stubbed }
        Interrupt = @{ Because = 'it polls until Ctrl+C: pressed once the alert for the stubbed file was sent'; When = { param($c) Test-Path -LiteralPath "$($c.Scratch)/alerts.txt" } }
        Expect = 'ALERT: cold\.mov \(stubbed\) used by bob'
    }
    'Watch-LucidAudit.md#3' = @{
        Needs = 'Postgres'; Because = 'psql reads PGHOST, PGPORT, PGUSER and PGDATABASE (set to the fixture database); one event did not match the inventory'
        Setup = { param($c) New-ExampleFilespace $c -Baseline -Events -Unmatched; Watch-LucidAudit -Path $c.Filespace -Once -ConnectionString $c.Connection -WarningAction SilentlyContinue | Out-Null }
        Expect = 'unknown\.txt', 'FileRead'
    }

    # ---------------------------------------------------------------- Btrfs
    'New-BtrfsSnapshot.md#1' = @{
        Needs = 'Btrfs'; Prologue = $snapshotDefault; Because = $why.Snapshots
        Check = { param($c, $r) $names = @(Get-ChildItem -LiteralPath $c.Snapshots -Name); $names.Count | Should -Be 2
            $sessions = $names | ForEach-Object { ($_ -split '-')[-1] } | Sort-Object -Unique; @($sessions).Count | Should -Be 1 -Because 'one session id for both'
            $names | Should -Match '^@(home)?-manual-\d{8}T\d{6}-[0-9a-f]{8}$' }
    }
    'New-BtrfsSnapshot.md#2' = @{
        Needs = 'Btrfs', 'Ssh'; Prologue = $snapshotDefault; Because = "$($why.Snapshots); backup-nas is an alias in ~/.ssh/config for the fixture sshd"
        Check = { param($c, $r) @(Get-ChildItem -LiteralPath $c.Snapshots -Name) | Should -Match '^@home-presync-\d{8}T\d{6}-abc12345$' }
    }
    'New-BtrfsSnapshot.md#3' = @{
        Needs = 'Btrfs'; Substitute = @(@{ Find = '/mnt/pool/snaps'; Replace = '{{Volume}}/snaps'; Because = 'a directory on the fixture volume stands in for /mnt/pool/snaps' })
        Setup = { param($c) $null = New-Item -ItemType Directory "$($c.Volume)/snaps" }
        Expect = 'What if:.*snaps/@home-manual-'
        Check = { param($c, $r) @(Get-ChildItem -LiteralPath "$($c.Volume)/snaps") | Should -BeNullOrEmpty -Because '-WhatIf creates nothing' }
    }
    'Remove-BtrfsSnapshot.md#1' = @{
        Needs = 'Btrfs'; Prologue = $snapshotDefault; Because = "$($why.Snapshots); four post-sync sessions, the first made beyond -KeepRecent 3 (retention never removes manual snapshots and ranks by the creation time btrfs records)"
        Setup = { param($c)
            # btrfs records creation times to the second: the oldest session is made in an earlier second.
            New-ExampleSnapshot $c '@' postsync '20250101T000000' '00000001'
            $second = [datetime]::UtcNow.ToString('yyyyMMddHHmmss'); $null = Wait-Until { [datetime]::UtcNow.ToString('yyyyMMddHHmmss') -ne $second } -Because 'the next second'
            foreach ($d in 2..4) { New-ExampleSnapshot $c '@' postsync "2025010$($d)T000000" "0000000$d" } }
        Expect = 'What if:.*@-postsync-20250101T000000-00000001'; NotExpect = '00000002', '00000003', '00000004'
        Check = { param($c, $r) @(Get-ChildItem -LiteralPath $c.Snapshots).Count | Should -Be 4 -Because '-WhatIf deletes nothing' }
    }
    'Remove-BtrfsSnapshot.md#2' = @{
        Needs = 'Btrfs', 'Ssh'; Prologue = $snapshotDefault
        Because = "$($why.Snapshots); nas is an alias for the fixture sshd; four post-sync sessions. Retention ages sessions by the creation time btrfs records, which a test cannot set back, so every session is younger than 30 days and all stay: the connection, listing and plan run for real, the age rule is left to the engine tests"
        Setup = { param($c) foreach ($d in 1..4) { New-ExampleSnapshot $c '@' postsync "2024010$($d)T000000" "0000000$d" } }
        Check = { param($c, $r) @(Get-ChildItem -LiteralPath $c.Snapshots).Count | Should -Be 4 }
    }
    'Remove-BtrfsSnapshot.md#3' = @{
        Needs = 'Btrfs', 'Ssh'; Prologue = "$snapshotDefault; `$PSDefaultParameterValues['Remove-BtrfsSnapshot:Confirm'] = `$false"
        Because = "$($why.Snapshots); nas is an alias for the fixture sshd; a reader answers the confirmation prompt (ConfirmImpact High) with Yes to All, which a pwsh reading a pipe cannot show, so confirmation is off by `$PSDefaultParameterValues"
        Setup = { param($c)
            New-ExampleSnapshot $c '@' manual '20240101T000000' '0000000a'; New-ExampleSnapshot $c '@' presync '20240101T000000' '0000000b'
            New-ExampleSnapshot $c '@' manual ([datetime]::UtcNow.AddHours(-1).ToString('yyyyMMddTHHmmss')) '0000000c' }
        Check = { param($c, $r) (Get-ChildItem -LiteralPath $c.Snapshots -Name | ForEach-Object { ($_ -split '-')[-1] } | Sort-Object) | Should -Be '0000000b', '0000000c' }
    }

    # ---------------------------------------------------------------- Sync
    'New-SyncConfig.md#1' = @{
        Because = 'writes into the stand-in home'
        Check = { param($c, $r) Test-Path -LiteralPath "$($c.Home)/.config/disktools/sync.yaml" | Should -BeTrue }
    }
    'New-SyncConfig.md#2' = @{
        Because = 'the working directory already has a sync.yaml'
        Setup = { param($c) Set-Content -LiteralPath "$($c.Scratch)/sync.yaml" -Value 'old: true' }
        Check = { param($c, $r) Get-Content -Raw -LiteralPath "$($c.Scratch)/sync.yaml" | Should -Not -Match 'old: true' }
    }
    'Get-SyncSession.md#1' = @{
        Needs = 'Sync'; Because = 'one session ran before (through the fixture sshd)'
        Setup = { param($c) $c.SessionId = Invoke-ExampleSnippet $c 'Start-SyncSession nas -SshConfigPath ~/.ssh/config | ForEach-Object SessionId' }
        Expect = '{{SessionId}}'
    }
    'Get-SyncSession.md#2' = @{
        Needs = 'Sync'; Because = 'one session ran before and completed: the filter leaves nothing'
        Setup = { param($c) $null = Invoke-ExampleSnippet $c 'Start-SyncSession nas -SshConfigPath ~/.ssh/config | ForEach-Object SessionId' }
        Check = { param($c, $r) $r.StandardOutput.Trim() | Should -BeNullOrEmpty }
    }
    'Get-SyncSession.md#3' = @{
        Needs = 'Sync'; Substitute = @(@{ Find = '3f9a0c12'; Replace = '{{SessionId}}'; Because = 'the id of the session the setup ran' })
        Setup = { param($c) $c.SessionId = Invoke-ExampleSnippet $c 'Start-SyncSession nas -SshConfigPath ~/.ssh/config | ForEach-Object SessionId' }
        Expect = 'Source\s+presync\s+@data', 'Target\s+presync\s+@data', 'Source\s+postsync\s+@data', 'Target\s+postsync\s+@data'
    }
    'Start-SyncSession.md#1' = @{
        Needs = 'Sync'; Prologue = $syncDefault; Because = "nas is an alias for the fixture sshd; $($why.SyncSsh)"
        Expect = 'Completed'
        Check = { param($c, $r) Get-Content -Raw -LiteralPath "$($c.Target)/@data/photos/a.jpg" | Should -Be 'a' }
    }
    'Start-SyncSession.md#2' = @{
        Needs = 'Sync'; Prologue = $syncDefault; Because = "nas is an alias for the fixture sshd; $($why.SyncSsh); ./sync.yaml is the default config copied"
        Setup = { param($c) Copy-Item "$($c.Home)/.config/disktools/sync.yaml" "$($c.Scratch)/sync.yaml" }
        Expect = '@data-presync-'
        Check = { param($c, $r) Test-Path -LiteralPath "$($c.Target)/@data/photos/a.jpg" | Should -BeFalse -Because '-WhatIf changes nothing' }
    }
    'Start-SyncSession.md#3' = @{
        Needs = 'Sync'; Prologue = $syncDefault; Because = "backup01 is an alias for the fixture sshd; $($why.SyncSsh)"
        Expect = 'folder_sync', '@data-presync-'
    }
    'Start-SyncSession.md#4' = @{
        Needs = 'Sync'; Because = 'the fixture sshd listens on 127.0.0.1 at a free port; its user key and known_hosts are copied to the documented file names'
        Substitute = @(
            @{ Find = '10.0.0.5'; Replace = '127.0.0.1'; Because = 'the fixture sshd''s address' }
            @{ Find = '2222'; Replace = '{{SshPort}}'; Because = 'the fixture sshd''s port' })
        Setup = { param($c) Copy-Item $c.SshKey "$($c.Home)/.ssh/sync_ed25519"; Copy-Item $c.KnownHosts "$($c.Home)/.ssh/known_hosts_sync" }
        Expect = 'Completed'
    }

    # ---------------------------------------------------------------- README
    'README.md#powershell: Using the module from pwsh' = @{
        ImportsModule = $true
        Because = 'the working directory is the one holding the suite''s build output as ./output (the repository root); the example only reads there'
        WorkingDirectory = '{{OutputParent}}'
        Substitute = @(@{ Find = './build.ps1 -Task Build            # or ./build.sh build'; Replace = '$null = Get-Command ./build.ps1 -ErrorAction Stop  # the build already ran'; Because = 'building inside the suite would replace the module under test; the script''s -Task parameter is bound statically instead' })
        Expect = 'Get-DiskUsage', 'about_DiskTools'
    }
    'README.md#powershell: Using the module from pwsh (2)' = @{
        Because = 'the package is what ./build.ps1 -Task Package -NoBuild writes from the suite''s build into ./output/packages; the stand-in home takes the repository registration and the CurrentUser install'
        ImportsModule = $true
        NotInLauncher = 'Register-PSResourceRepository and Install-PSResource are PSResourceGet, which ships with pwsh; the launcher is for machines without pwsh and imports its own copy of DiskTools'
        Setup = { param($c) & "$($c.Repository)/build.ps1" -Task Package -NoBuild -OutputPath $c.Output -PackagePath "$($c.Scratch)/output/packages" | Out-Null }
        Check = { param($c, $r) Test-Path -LiteralPath "$($c.Home)/.local/share/powershell/Modules/DiskTools" | Should -BeTrue -Because 'Install-PSResource installed it for the current user' }
    }
    'README.md#powershell: Get-DiskUsage' = @{
        Substitute = @(@{ Find = '/data'; Replace = '{{Scratch}}/data'; Because = '/data stands for a large tree; a scratch tree is used' })
        Setup = { param($c) New-ExampleTree "$($c.Scratch)/data" @{ 'x/y.bin' = 5000 } }
        Expect = '/usr/', '/var/'
    }
    'README.md#powershell: Get-DiskToolsDependency' = @{ Because = 'needs nothing but the module'; Expect = 'Npgsql' }
    'README.md#powershell: File inventory in PostgreSQL (Invoke-Reconciliation)' = @{
        Needs = 'Postgres'
        Substitute = @(
            @{ Find = 'Host=localhost;Database=inventory;Username=me'; Replace = '{{Connection}}'; Because = $why.Connection }
            @{ Find = '/srv/photos'; Replace = '{{Photos}}'; Because = $why.Photos }
            @{ Find = '3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea'; Replace = '{{PhotoHash}}'; Because = 'the SHA-256 of a file in the scratch tree' })
        Setup = { param($c) New-ExamplePhotos $c; New-ExampleTree $c.Photos @{ 'x.part' = 3 }; $c.PhotoHash = (Get-FileHash "$($c.Photos)/Photos/2024/a.jpg").Hash.ToLowerInvariant() }
        Interrupt = @{ Statement = 'Invoke-Reconciliation /srv/photos -Watch'; Because = 'it follows changes until Ctrl+C: pressed once its startup pass completed'
            When = { param($c) (Invoke-ExampleSql $c "SELECT count(*) FROM sync_operations WHERE operation_type <> 'manual' AND status = 'completed'") -ge 1 } }
        Expect = 'startup\s+completed'
        Check = { param($c, $r) @($r.StandardOutput -split "`n" | Where-Object { $_ -match '^\s+\d+\s+\d{4}-\d\d-\d\d ' }).Count | Should -Be 3 -Because 'Get-FileRecord -Filter lists a.jpg and b.jpg, -Hash a.jpg' }
    }
    'README.md#powershell: Btrfs snapshots, locally or over SSH' = @{
        Needs = 'Btrfs', 'Ssh'; Prologue = $snapshotDefault
        Because = "$($why.Snapshots); backup-nas is an alias for the fixture sshd; three post-sync sessions exist besides the new one, all made just now: retention ages by the creation time btrfs records, so none is older than 30 days and -WhatIf lists nothing"
        Setup = { param($c) foreach ($d in 1..3) { New-ExampleSnapshot $c '@' postsync "2024010$($d)T000000" "0000000$d" } }
        Expect = '@\s+PostSync\s+00000001', '@home\s+PreSync'
        NotExpect = 'What if:'
        Check = { param($c, $r) @(Get-ChildItem -LiteralPath $c.Snapshots -Name | Where-Object { $_ -match '^@(home)?-presync-' }).Count | Should -Be 2 }
    }
    'README.md#powershell: Access tracking: Import-FileInventory and Watch-LucidAudit' = @{
        Needs = 'Postgres'
        Substitute = @(
            @{ Find = 'Host=db;Database=inventory;Username=tiering'; Replace = '{{Connection}}'; Because = $why.Connection }
            @{ Find = '/mnt/lucid/acme'; Replace = '{{Filespace}}'; Because = $why.Lucid })
        Setup = { param($c) New-ExampleFilespace $c -Events -Stubbed; New-ExampleParquet "$($c.Scratch)/scan.parquet" }
        Interrupt = @{ Statement = 'Watch-LucidAudit -Path /mnt/lucid/acme -Tenant acme'; Because = 'it polls until Ctrl+C: pressed once its first pass applied the events'
            When = { param($c) (Invoke-ExampleSql $c "SELECT count(*) FROM pg_tables WHERE tablename = 'lucid_audit_cursor'") -eq 1 -and (Invoke-ExampleSql $c "SELECT count(*) FROM lucid_audit_cursor WHERE last_event_id > 0") -ge 1 } }
        # Ctrl+C may cut the watch's own output short, so its effect is read from the database.
        Expect = 'Parquet\s+3\s'
        Check = { param($c, $r) Invoke-ExampleSql $c "SELECT count(*) FROM file_records WHERE last_accessed >= '2025-11-29'" | Should -Be 2 -Because 'the watch applied both reads before Ctrl+C' }
    }
    'README.md#powershell: Sync sessions' = @{
        Needs = 'Sync'; Prologue = "$syncDefault; `$PSDefaultParameterValues['Start-SyncSession:ConfigPath'] = '~/edited-sync.yaml'"
        Because = "nas is an alias for the fixture sshd; $($why.SyncSsh); New-SyncConfig writes the commented default config, which a reader edits before a session — the fixture's edited config is passed by `$PSDefaultParameterValues"
        Setup = { param($c) Move-Item "$($c.Home)/.config/disktools/sync.yaml" "$($c.Home)/edited-sync.yaml" }
        Check = { param($c, $r) Test-Path -LiteralPath "$($c.Home)/.config/disktools/sync.yaml" | Should -BeTrue }
        Expect = 'Completed', '@data-presync-'
    }
    'README.md#bash: Set up' = @{
        Because = 'runs the launcher on the suite''s build output'
        Substitute = @(
            @{ Find = './build.sh build && '; Replace = ''; Because = 'building inside the suite would replace the module under test' }
            @{ Find = './build.sh deps test'; Replace = ': ./build.sh deps test'; Because = 'this is what runs the suite itself' })
        Setup = { param($c) $null = New-Item -ItemType SymbolicLink -Path "$($c.Scratch)/output" -Target $c.Output }
        Expect = '/usr/'
    }
    'README.md#bash: The `disktools` launcher' = @{
        Because = 'disktools is on PATH (the launcher of the build output); nightly.ps1 is the reader''s own script, a stand-in with a -Root parameter'
        Setup = { param($c) Set-Content -LiteralPath "$($c.Scratch)/nightly.ps1" -Value 'param([string] $Root) Get-DiskUsage -Path $Root -Depth 0 | ForEach-Object { "nightly: $($_.Path)" }' }
        Expect = '/var/', 'nightly: /srv', 'Npgsql'
    }
    'README.md#bash: Benchmarks' = @{ Bind = 'runs every benchmark (a million generated files, minutes of load); the benchmarks are run on their own, not in the suite'; Because = 'checked with bash -n' }
}
