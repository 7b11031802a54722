# Start-SyncSession and Get-SyncSession as a user runs them, end to end on real components: this machine is
# the source; the target is an sshd on localhost in a mount namespace of its own (its own /etc/machine-id and
# /run, so it is another machine as far as a session can tell); each side has its own loop-mounted btrfs
# volume with a subvolume @data, and rsync moves the files. The XDG directories point into the test drive so
# sessions never touch the real user's logs, config or locks.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/CmdletHelpers.ps1
    Import-TestModule
    Import-TestFixtures

    $script:SessionType = 'DiskTools.Engine.Sync.Session.SyncSession'
    $script:StartCommand = 'DiskTools.Commands.Sync.StartSyncSessionCommand'
    $script:GetCommand = 'DiskTools.Commands.Sync.GetSyncSessionCommand'
    $script:Ready = (Test-IsRoot) -and (Test-Path -LiteralPath /usr/sbin/sshd) -and (Test-Path -LiteralPath /etc/machine-id) -and
        @('rsync', 'flock', 'ssh-keygen', 'mkfs.btrfs', 'btrfs', 'losetup', 'unshare').Where({ -not (Test-Executable $_) }).Count -eq 0
    $script:Saved = @{}
    $script:Server = $null
    $script:Source = $null
    $script:Target = $null
    $script:Home_ = Join-Path $TestDrive 'home'
    foreach ($pair in @(@('XDG_DATA_HOME', 'data'), @('XDG_RUNTIME_DIR', 'run'), @('XDG_CONFIG_HOME', 'config'))) {
        $Saved[$pair[0]] = [Environment]::GetEnvironmentVariable($pair[0])
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $Home_ $pair[1])
        [Environment]::SetEnvironmentVariable($pair[0], (Join-Path $Home_ $pair[1]))
    }
    $script:LogDirectory = Join-Path $Home_ 'data/disktools/logs'
    $script:LockDirectory = Join-Path $Home_ 'run/disktools'
    $script:LockFile = Join-Path $LockDirectory 'sync.lock'
    $Saved['DISKTOOLS_RUNTIME_DIR'] = $env:DISKTOOLS_RUNTIME_DIR
    $env:DISKTOOLS_RUNTIME_DIR = $LockDirectory

    function New-SyncVolume([string] $Parent) {
        # (PowerShell passes $null to a string parameter as '', so no parent means Create.)
        $volume = if ($Parent) { [DiskTools.TestFixtures.BtrfsVolume]::CreateUnder($Parent, 256MB, [string[]] @('@data')) }
        else { [DiskTools.TestFixtures.BtrfsVolume]::Create(256MB, [string[]] @('@data')) }
        $null = New-Item -ItemType Directory -Path (Join-Path $volume.MountPoint '.snapshots')
        $volume
    }
    if ($Ready) {
        # The target keeps DiskTools data of its own: its XDG_DATA_HOME leads into the target's @data.
        $targetShare = Join-Path $Home_ 'target-share'
        $sessionEnvironment = [System.Collections.Generic.Dictionary[string, string]]::new()
        $sessionEnvironment['XDG_DATA_HOME'] = $targetShare
        $script:Server = [DiskTools.TestFixtures.SshServer]::StartIsolated([DiskTools.TestFixtures.SshIsolation] @{ SessionEnvironment = $sessionEnvironment })
        $script:Source = New-SyncVolume
        $script:Target = New-SyncVolume $Server.SharedDirectory
        $targetDataHome = Join-Path $Target.MountPoint '@data/home/.local/share'
        $null = New-Item -ItemType Directory -Force -Path $targetDataHome
        $null = New-Item -ItemType SymbolicLink -Path $targetShare -Target $targetDataHome
    }

    function Assert-SyncReady {
        Assert-TestPrerequisite -Available $Ready -Because 'sync sessions need root, sshd, rsync, flock, unshare, /etc/machine-id and btrfs-progs'
    }

    function Get-Data($Volume) { Join-Path $Volume.MountPoint '@data' }
    function Get-Snapshots($Volume) { Join-Path $Volume.MountPoint '.snapshots' }
    function Get-SnapshotNames($Volume) { @(Get-ChildItem -LiteralPath (Get-Snapshots $Volume) -Directory | ForEach-Object Name | Sort-Object) }
    function Get-Pair([string] $SourcePath, [string] $TargetPath) { "{ source: `"$SourcePath`", target: `"$TargetPath`" }" }

    # A config for these volumes: the common part plus $Jobs (YAML, top level).
    function New-SyncConfigFile([string] $Jobs, [string] $Disk = "preflight_minimum: 5%`n  runtime_minimum: 3%`n  check_interval: 1") {
        $yaml = @"
log_file_level: FULL
log_cli_level: INFO
disk:
  $Disk
  path: $(Get-Pair $Source.MountPoint $Target.MountPoint)
btrfs_snapshots:
  subvolumes: ["@data"]
  filesystem: $(Get-Pair $Source.MountPoint $Target.MountPoint)
  snapshot_directory: $(Get-Pair (Get-Snapshots $Source) (Get-Snapshots $Target))
  keep_recent: 2
$Jobs
"@
        $path = Join-Path $Home_ "sync-$([guid]::NewGuid().ToString('N')).yaml"
        [System.IO.File]::WriteAllText($path, $yaml)
        $path
    }

    # Connection parameters for the test sshd, splatted.
    function Get-Target { @{ ComputerName = $Server.Alias; SshConfigPath = $Server.ConfigPath } }

    function Get-LogLines([string] $Path) {
        $stream = [System.IO.FileStream]::new($Path, 'Open', 'Read', 'ReadWrite')
        try { $text = [System.IO.StreamReader]::new($stream).ReadToEnd() } finally { $stream.Dispose() }
        @($text -split "`n" | Where-Object { $_ } | ForEach-Object { $_ | ConvertFrom-Json -AsHashtable })
    }

    function Test-LockFree([string] $Path) {
        if (-not (Test-Path -LiteralPath $Path)) { return $true }
        & flock -n $Path true
        $LASTEXITCODE -eq 0
    }
}

AfterAll {
    foreach ($item in @($Source, $Target, $Server)) { if ($item) { $item.Dispose() } }
    foreach ($name in $Saved.Keys) { [Environment]::SetEnvironmentVariable($name, $Saved[$name]) }
}

Describe 'A complete sync session' {
    BeforeAll {
        if ($Ready) {
            $script:Odd = 'we ird $(touch pwned); `x` ''q'' & |'
            $script:Src = [System.IO.Path]::Combine((Get-Data $Source), 'complete', $Odd)
            $script:Dst = [System.IO.Path]::Combine((Get-Data $Target), 'complete', $Odd)
            $null = New-Item -ItemType Directory -Force -Path ([System.IO.Path]::Combine($Src, 'sub dir'))
            $null = New-Item -ItemType Directory -Force -Path ([System.IO.Path]::GetDirectoryName($Dst))
            [System.IO.File]::WriteAllText([System.IO.Path]::Combine($Src, 'a.txt'), 'alpha')
            [System.IO.File]::WriteAllText([System.IO.Path]::Combine($Src, 'sub dir', 'b;rm -rf.txt'), 'beta')
            [System.IO.File]::WriteAllText([System.IO.Path]::Combine($Src, 'skip.tmp'), 'excluded')
            $filter = Join-Path $Home_ 'complete.rules'
            [System.IO.File]::WriteAllText($filter, "- *.tmp`n")
            $script:Config = New-SyncConfigFile @"
sync_jobs:
  dummy_fail: false
  folder_sync: true
folder_sync:
  folders:
    - source: "$($Src.Replace('\', '\\').Replace('"', '\"'))"
      target: "$($Dst.Replace('\', '\\').Replace('"', '\"'))"
      filter: "$filter"
"@
            $t = Get-Target
            $all = @(Start-SyncSession @t -ConfigPath $Config -Confirm:$false -Verbose -InformationVariable info -ErrorVariable errors 4>&1)
            $script:Session = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
            $script:VerboseText = ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }) -join "`n"
            $script:Info = $info
            $script:Errors = $errors
        }
    }

    It 'returns one completed session of the session type' {
        Assert-SyncReady
        $Errors | Should -BeNullOrEmpty
        $Session.Count | Should -Be 1
        $s = $Session[0]
        $s.PSObject.TypeNames[0] | Should -BeExactly $SessionType
        $s.SessionId | Should -Match '^[0-9a-f]{8}$'
        "$($s.Status)" | Should -Be 'Completed'
        $s.SourceHostname | Should -Be ([System.Environment]::MachineName)
        $s.TargetHostname | Should -Not -BeNullOrEmpty
        $s.EndedAt | Should -Not -BeNullOrEmpty
        @($s.JobResults.JobName) | Should -Be @('dummy_fail', 'folder_sync')
        @($s.JobResults | ForEach-Object { "$($_.Status)" }) | Should -Be @('Skipped', 'Success')
        $s.JobResults[1].Duration | Should -BeGreaterThan ([timespan]::Zero)
    }

    # -BeOfType by type name: needs DiskTools' public types published to PowerShell's type resolution.
    It 'is a SyncSession with SyncJobResult and SyncSnapshot items (Should -BeOfType)' {
        Assert-SyncReady
        $Session[0] | Should -BeOfType [DiskTools.Engine.Sync.Session.SyncSession]
        $Session[0].JobResults | Should -BeOfType [DiskTools.Engine.Sync.Session.SyncJobResult]
        $Session[0].Snapshots | Should -BeOfType [DiskTools.Engine.Sync.Session.SyncSnapshot]
        $Session[0].Status | Should -Be ([DiskTools.Engine.Sync.Session.SyncSessionState]::Completed)
    }

    It 'synced the folder with the filter honoured and shell metacharacters kept as names' {
        Assert-SyncReady
        [System.IO.File]::ReadAllText([System.IO.Path]::Combine($Dst, 'a.txt')) | Should -Be 'alpha'
        [System.IO.File]::ReadAllText([System.IO.Path]::Combine($Dst, 'sub dir', 'b;rm -rf.txt')) | Should -Be 'beta'
        Test-Path -LiteralPath ([System.IO.Path]::Combine($Dst, 'skip.tmp')) | Should -BeFalse
        Test-Path -LiteralPath (Join-Path $Home_ 'pwned') | Should -BeFalse
        Test-Path -LiteralPath 'pwned' | Should -BeFalse
    }

    It 'took read-only pre- and post-sync snapshots on both hosts' {
        Assert-SyncReady
        $id = $Session[0].SessionId
        foreach ($volume in $Source, $Target) {
            $mine = @(Get-SnapshotNames $volume | Where-Object { $_.EndsWith("-$id") })
            $mine.Count | Should -Be 2
            $mine[0] | Should -Match "^@data-postsync-\d{8}T\d{6}-$id$"
            $mine[1] | Should -Match "^@data-presync-\d{8}T\d{6}-$id$"
            { [System.IO.File]::WriteAllText([System.IO.Path]::Combine((Get-Snapshots $volume), $mine[0], 'x'), 'x') } | Should -Throw
        }
        $Session[0].Snapshots.Count | Should -Be 4
        @($Session[0].Snapshots | Where-Object { "$($_.Role)" -eq 'Target' }).Count | Should -Be 2
    }

    It 'wrote a JSON-lines log with real hostnames and the itemized changes, and freed its lock' {
        Assert-SyncReady
        $log = $Session[0].LogFile
        $log | Should -Be (Join-Path $LogDirectory (Split-Path -Leaf $log))
        Split-Path -Leaf $log | Should -Match "^sync-\d{8}T\d{6}-$($Session[0].SessionId)\.jsonl$"
        $lines = Get-LogLines $log
        foreach ($line in $lines) {
            @($line.Keys | Select-Object -First 5) | Should -Be @('timestamp', 'level', 'job', 'host', 'event')
            $line['host'] | Should -Not -BeIn @('source', 'target')
        }
        @($lines | Where-Object { $_['level'] -eq 'FULL' -and $_['job'] -eq 'folder_sync' -and $_.ContainsKey('change') -and $_['path'] -eq 'a.txt' }).Count | Should -BeGreaterThan 0
        @($lines | Where-Object { $_['record'] -eq 'session_finished' }).Count | Should -Be 1
        Test-LockFree $LockFile | Should -BeTrue
    }

    It 'sent FULL messages to the verbose stream and INFO to the information stream' {
        Assert-SyncReady
        $VerboseText | Should -Match 'a\.txt'
        @($Info | Where-Object { "$($_.MessageData)" -match 'Synced' }).Count | Should -BeGreaterThan 0
        @($Info | Where-Object { $_.Tags -contains 'folder_sync' }).Count | Should -BeGreaterThan 0
    }

    It 'is rebuilt from its log by Get-SyncSession, by id, by pipeline and with -Last' {
        Assert-SyncReady
        $id = $Session[0].SessionId
        $rebuilt = Get-SyncSession -SessionId $id
        $rebuilt.PSObject.TypeNames[0] | Should -BeExactly $SessionType
        "$($rebuilt.Status)" | Should -Be 'Completed'
        $rebuilt.Snapshots.Count | Should -Be 4
        $rebuilt.JobResults.Count | Should -Be 2
        $rebuilt.TargetHostname | Should -Be $Session[0].TargetHostname
        ($Session[0] | Get-SyncSession).SessionId | Should -Be $id
        (Get-SyncSession $id.ToUpperInvariant()).SessionId | Should -Be $id
        (Get-SyncSession -Last 1).SessionId | Should -Be $id -Because 'the newest session comes first'
    }

    It 'works with Select-Object, Sort-Object, Group-Object and Measure-Object' {
        Assert-SyncReady
        $s = $Session[0]
        (($s | Select-Object SessionId, Status).PSObject.Properties.Name) | Should -Be @('SessionId', 'Status')
        @(($s.Snapshots | Sort-Object Name).Name) | Should -Be @($s.Snapshots.Name | Sort-Object)
        $byRole = @($s.Snapshots | Group-Object Role | Sort-Object Name)
        @($byRole.Name) | Should -Be @('Source', 'Target')
        @($byRole | ForEach-Object Count) | Should -Be @(2, 2)
        ($s.JobResults | ForEach-Object { $_.Duration.TotalMilliseconds } | Measure-Object -Sum).Sum | Should -BeGreaterThan 0
        (@(Get-SyncSession) | Measure-Object).Count | Should -BeGreaterOrEqual 1
    }

    It 'round-trips through ConvertTo-Json and Export-Csv/Import-Csv' {
        Assert-SyncReady
        $json = $Session[0] | ConvertTo-Json -Depth 4 -EnumsAsStrings -WarningAction Stop | ConvertFrom-Json
        $json.SessionId | Should -Be $Session[0].SessionId
        $json.Status | Should -Be 'Completed'
        @($json.JobResults.JobName) | Should -Be @('dummy_fail', 'folder_sync')
        $csv = Join-Path $TestDrive 'sessions.csv'
        $Session[0].Snapshots | Export-Csv -LiteralPath $csv
        @((Import-Csv -LiteralPath $csv).Path) | Should -Be @($Session[0].Snapshots.Path)
    }

    It 'renders the session, its job results and snapshots as tables and lists' {
        Assert-SyncReady
        $s = $Session[0]
        Assert-Rendered ($s | Get-RenderedText) -Expect @('SessionId', 'Status', $s.SessionId, 'Completed', '1 ok', $s.TargetHostname)
        Assert-Rendered ($s | Get-RenderedText -As List) -Expect @('JobResults', 'LogFile', $s.LogFile)
        Assert-Rendered ($s.JobResults | Get-RenderedText) -Expect @('JobName', 'folder_sync', 'Success', 'Skipped')
        Assert-Rendered ($s.Snapshots | Get-RenderedText) -Expect @('Hostname', 'Role', 'Target', $s.Snapshots[0].Path)
    }

    It 'renders the same after Export-Clixml and Import-Clixml' {
        Assert-SyncReady
        $xml = Join-Path $TestDrive 'session.xml'
        $Session[0] | Export-Clixml -LiteralPath $xml -Depth 3
        $back = Import-Clixml -LiteralPath $xml
        $back.PSObject.TypeNames[0] | Should -BeExactly "Deserialized.$SessionType"
        $text = $back | Get-RenderedText
        Assert-Rendered $text -Expect @($Session[0].SessionId, 'Completed', '1 ok')
        $text | Should -BeExactly ($Session[0] | Get-RenderedText)
    }
}

Describe 'Start-SyncSession failures, -WhatIf and progress' {
    It 'reports every config error with its line and column, and runs nothing' {
        Assert-SyncReady
        $sourceSnaps = Get-SnapshotNames $Source
        $targetSnaps = Get-SnapshotNames $Target
        $config = Join-Path $Home_ 'broken.yaml'
        [System.IO.File]::WriteAllText($config, @'
log_cli_level: CHATTY
sync_jobs:
  dummy_success: true
  warp_drive: true
disk:
  runtime_minimum: 15 percent
btrfs_snapshots:
  subvolumes: [data]
dummy_success:
  duration_seconds: soon
'@)
        $t = Get-Target
        $session = Start-SyncSession @t -ConfigPath $config -ErrorVariable err -ErrorAction SilentlyContinue
        "$($session.Status)" | Should -Be 'Failed'
        $err.Count | Should -Be 1
        Assert-ErrorRecord $err[0] "SyncConfigInvalid,$StartCommand" InvalidData $config
        foreach ($expected in 'line 1, column 16: log_cli_level', 'line 4, column 3: sync_jobs.warp_drive', 'line 6, column 20: disk.runtime_minimum',
            'line 8, column 16: btrfs_snapshots.subvolumes[0]', 'line 10, column 21: dummy_success.duration_seconds', '5 errors') {
            $err[0].Exception.Message | Should -Match ([regex]::Escape($expected))
        }
        Get-SnapshotNames $Source | Should -Be $sourceSnaps
        Get-SnapshotNames $Target | Should -Be $targetSnaps
        @($session.JobResults).Count | Should -Be 0
    }

    It 'fails the session through cleanup when a job fails, and frees the lock' {
        Assert-SyncReady
        $config = New-SyncConfigFile @'
sync_jobs:
  dummy_fail: true
  dummy_success: true
dummy_fail:
  duration_seconds: 2
  fail_at_percent: 40
dummy_success:
  duration_seconds: 1
'@
        $t = Get-Target
        $session = Start-SyncSession @t -ConfigPath $config -ErrorVariable err -ErrorAction SilentlyContinue
        $id = $session.SessionId
        "$($session.Status)" | Should -Be 'Failed'
        $session.ErrorMessage | Should -Match 'failed on purpose'
        @($session.JobResults | ForEach-Object { "$($_.JobName):$($_.Status)" }) | Should -Be @('dummy_fail:Failed', 'dummy_success:Skipped')
        @($err | Where-Object FullyQualifiedErrorId -Like 'SyncJobFailed,*').Count | Should -BeGreaterThan 0
        @(Get-SnapshotNames $Target | Where-Object { $_ -like "*-presync-*-$id" }).Count | Should -Be 1
        @(Get-SnapshotNames $Target | Where-Object { $_ -like "*-postsync-*-$id" }).Count | Should -Be 0
        Test-LockFree $LockFile | Should -BeTrue
        $lines = Get-LogLines $session.LogFile
        @($lines | Where-Object { $_['level'] -eq 'CRITICAL' }).Count | Should -BeGreaterThan 0
        @($lines | Where-Object { $_['to_state'] -eq 'Cleanup' }).Count | Should -Be 1
        @($lines | Where-Object { $_['to_state'] -eq 'Failed' }).Count | Should -Be 1
    }

    It '-ErrorAction Stop turns the first error terminating and the session still ends through cleanup before it returns' {
        Assert-SyncReady
        $config = New-SyncConfigFile @'
sync_jobs:
  dummy_fail: true
dummy_fail:
  duration_seconds: 1
  fail_at_percent: 10
'@
        $before = @(Get-ChildItem -LiteralPath $LogDirectory -File).Name
        $t = Get-Target
        $written = @()
        $caught = $null
        try { $written = @(Start-SyncSession @t -ConfigPath $config -ErrorAction Stop -WarningAction SilentlyContinue) } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty
        $caught.FullyQualifiedErrorId | Should -BeLike "*,$StartCommand"
        $written.Count | Should -Be 0
        Test-LockFree $LockFile | Should -BeTrue -Because 'nothing of the session may outlive the command'
        $log = @(Get-ChildItem -LiteralPath $LogDirectory -File | Where-Object Name -NotIn $before)
        $log.Count | Should -Be 1
        $lines = Get-LogLines $log[0].FullName
        @($lines | Where-Object { $_['to_state'] -eq 'Cleanup' }).Count | Should -Be 1 -Because 'a stopped session still cleans up'
    }

    It '-WhatIf validates, says what it would do and changes nothing on either host; a relative -ConfigPath resolves against the location' {
        Assert-SyncReady
        $src = Join-Path (Get-Data $Source) 'whatif'
        $dst = Join-Path (Get-Data $Target) 'whatif'
        $null = New-Item -ItemType Directory -Force -Path $src
        [System.IO.File]::WriteAllText((Join-Path $src 'f.txt'), 'f')
        $config = New-SyncConfigFile @"
sync_jobs: { folder_sync: true }
folder_sync:
  delete: true
  folders: [{ source: "$src", target: "$dst" }]
"@
        $sourceSnaps = Get-SnapshotNames $Source
        $targetSnaps = Get-SnapshotNames $Target
        $logs = @(Get-ChildItem -LiteralPath $LogDirectory -File -ErrorAction Ignore).Count
        $t = Get-Target
        Push-Location -LiteralPath $Home_
        try { $session = Start-SyncSession @t -ConfigPath (Split-Path -Leaf $config) -WhatIf -InformationVariable info -ErrorVariable err }
        finally { Pop-Location }
        $err | Should -BeNullOrEmpty
        "$($session.Status)" | Should -Be 'Completed'
        $session.WhatIf | Should -BeTrue
        $session.LogFile | Should -BeNullOrEmpty
        $session.ConfigFile | Should -Be $config
        @($info | Where-Object { "$($_.MessageData)" -like "*$src ->*" }).Count | Should -BeGreaterThan 0
        Test-Path -LiteralPath $dst | Should -BeFalse
        Get-SnapshotNames $Source | Should -Be $sourceSnaps
        Get-SnapshotNames $Target | Should -Be $targetSnaps
        @(Get-ChildItem -LiteralPath $LogDirectory -File -ErrorAction Ignore).Count | Should -Be $logs
        Assert-Rendered ($session | Get-RenderedText) -Expect @('Completed (WhatIf)')
    }

    It 'checks everything live first and reports every problem before anything changes' {
        Assert-SyncReady
        $config = New-SyncConfigFile @'
sync_jobs: { folder_sync: true }
folder_sync:
  folders:
    - { path: /nonexistent/disktools/a }
    - { source: /nonexistent/disktools/b, target: /nonexistent/x/y }
'@
        [System.IO.File]::WriteAllText($config, [System.IO.File]::ReadAllText($config).Replace('subvolumes: ["@data"]', 'subvolumes: ["@data", "@missing"]'))
        $targetSnaps = Get-SnapshotNames $Target
        $t = Get-Target
        $session = Start-SyncSession @t -ConfigPath $config -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeExactly "SyncValidationFailed,$StartCommand"
        foreach ($expected in "'@missing'", '/nonexistent/disktools/a', '/nonexistent/x') { $err[0].Exception.Message | Should -Match ([regex]::Escape($expected)) }
        "$($session.Status)" | Should -Be 'Failed'
        Get-SnapshotNames $Target | Should -Be $targetSnaps
    }

    It 'refuses a -ConfigPath of another provider' {
        Assert-SyncReady
        $t = Get-Target
        $caught = $null
        try { $null = Start-SyncSession @t -ConfigPath Env:\HOME } catch { $caught = $_ }
        Assert-ErrorRecord $caught "NotFileSystemPath,$StartCommand" InvalidArgument 'Env:\HOME'
    }

    It 'shows a session activity with one child per job, all closed with Completed records' {
        Assert-SyncReady
        $config = New-SyncConfigFile "sync_jobs: { dummy_success: true }`ndummy_success: { duration_seconds: 2 }"
        $run = Invoke-HostedPipeline -Script '$ProgressPreference = "Continue"; Start-SyncSession -ComputerName $args[0] -SshConfigPath $args[1] -ConfigPath $args[2]' -ArgumentList $Server.Alias, $Server.ConfigPath, $config
        $run.Terminating | Should -BeNullOrEmpty
        "$($run.Output[0].Status)" | Should -Be 'Completed'
        $run.Progress | Where-Object { $_.ActivityId -eq 1 -and $_.ParentActivityId -eq -1 } | Should -Not -BeNullOrEmpty
        $run.Progress | Where-Object { $_.ParentActivityId -eq 1 -and $_.Activity -eq 'dummy_success' } | Should -Not -BeNullOrEmpty
        $run.Progress | Where-Object { $_.ActivityId -eq 1 -and $_.RecordType -eq 'Completed' } | Should -Not -BeNullOrEmpty
        $open = @($run.Progress | Group-Object ActivityId | Where-Object { $_.Group[-1].RecordType -ne 'Completed' })
        $open | Should -BeNullOrEmpty -Because 'every activity is closed'
    }
}

Describe 'Get-SyncSession errors' {
    It 'reports an unknown id as ObjectNotFound with the id as target, and goes on with the others' {
        $out = Get-SyncSession -SessionId 0badf00d, 0badf00e -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 2
        Assert-ErrorRecord $err[0] "SyncSessionNotFound,$GetCommand" ObjectNotFound '0badf00d'
        Assert-ErrorRecord $err[1] "SyncSessionNotFound,$GetCommand" ObjectNotFound '0badf00e'
    }

    It '-ErrorAction Stop makes the first unknown id terminating' {
        $caught = $null
        try { $null = Get-SyncSession -SessionId 0badf00d, 0badf00e -ErrorAction Stop } catch { $caught = $_ }
        Assert-ErrorRecord $caught "SyncSessionNotFound,$GetCommand" ObjectNotFound '0badf00d'
    }

    It 'rejects an id that is not 8 hex digits at binding' {
        { Get-SyncSession -SessionId 'xyz' -ErrorAction Stop } | Should -Throw -ErrorId "ParameterArgumentValidationError,$GetCommand"
    }
}

Describe 'Sync cmdlets completion' {
    It 'completes -Job with the known jobs' {
        Get-CompletionText 'Start-SyncSession nas -Job ' | Should -Be @('folder_sync', 'dummy_success', 'dummy_fail')
        Get-CompletionText 'Start-SyncSession nas -Job dummy_s' | Should -Be @('dummy_success')
    }

    It 'completes parameter names and -ConfigPath as a file path' {
        Get-CompletionText 'Start-SyncSession -KnownH' | Should -Be @('-KnownHostsFile')
        Get-CompletionText 'Get-SyncSession -La' | Should -Be @('-Last')
        $null = New-Item -ItemType File -Force -Path (Join-Path $TestDrive 'completion sync.yaml')
        @(Get-CompletionText "Start-SyncSession nas -ConfigPath $TestDrive/completion") | Should -Be @("'$TestDrive/completion sync.yaml'")
    }
}
