# New-, Get- and Remove-BtrfsSnapshot as a user runs them, on a real btrfs volume (root), locally and over
# a real sshd on localhost: what they create and delete, -WhatIf/-Confirm, errors, completion, output.
BeforeDiscovery {
    $script:Modes = @(@{ Mode = 'local' }, @{ Mode = 'SSH' })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/CmdletHelpers.ps1
    Import-TestModule
    Import-TestFixtures

    $script:SnapshotType = 'DiskTools.Engine.Btrfs.BtrfsSnapshot'
    $script:BtrfsReady = (Test-IsRoot) -and @('mkfs.btrfs', 'btrfs', 'losetup', 'mount', 'umount').Where({ -not (Test-Executable $_) }).Count -eq 0
    $script:SshReady = (Test-Path -LiteralPath /usr/sbin/sshd) -and (Test-Executable ssh-keygen)
    $script:Volume = $null
    $script:Server = $null
    if ($BtrfsReady) {
        # Shaped like a system: '@' and '@home' mounted, plus a subvolume whose name a shell would run.
        $script:Volume = [DiskTools.TestFixtures.BtrfsVolume]::Create(256MB, [string[]] @('@', '@home', 'odd name;$(x)'))
        $script:RootMount = $Volume.MountSubvolume('@')
        $script:HomeMount = $Volume.MountSubvolume('@home')
    }
    if ($SshReady) { $script:Server = [DiskTools.TestFixtures.SshServer]::StartPrivate() }

    function Assert-Btrfs {
        Assert-TestPrerequisite -Available $BtrfsReady -Because 'btrfs volumes need root, btrfs-progs and util-linux'
    }

    function Assert-Ssh {
        Assert-Btrfs
        Assert-TestPrerequisite -Available $SshReady -Because 'needs /usr/sbin/sshd and ssh-keygen (openssh-server, openssh-client)'
    }

    # A fresh, empty snapshot directory on '@'.
    function New-SnapshotDirectory {
        $dir = Join-Path $RootMount ('.snapshots-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $null = New-Item -ItemType Directory -Path $dir
        $dir
    }

    # Splatted connection parameters: none locally, the test sshd's alias and config over SSH.
    function Get-Connection([string] $Mode) {
        if ($Mode -eq 'SSH') { Assert-Ssh; return @{ ComputerName = $Server.Alias; SshConfigPath = $Server.ConfigPath } }
        Assert-Btrfs
        @{}
    }

    function Get-SnapshotName([string] $Directory) { @(Get-ChildItem -LiteralPath $Directory -Directory | ForEach-Object Name | Sort-Object) }

    function New-RawSnapshot([string] $Directory, [string] $Name) {
        $null = & btrfs subvolume snapshot -r $HomeMount (Join-Path $Directory $Name)
        if ($LASTEXITCODE -ne 0) { throw "btrfs subvolume snapshot failed for $Name" }
    }

    $script:Hostname = ([System.IO.File]::ReadAllText('/proc/sys/kernel/hostname')).Trim()
}

AfterAll {
    if ($Server) { $Server.Dispose() }
    if ($Volume) { $Volume.Dispose() }
}

Describe 'btrfs snapshots (<Mode>)' -ForEach $Modes {
    It 'New-BtrfsSnapshot creates read-only snapshots of one session that Get-BtrfsSnapshot lists' {
        $c = Get-Connection $Mode
        $dir = New-SnapshotDirectory
        $created = @(New-BtrfsSnapshot -Subvolume '@', '@home' -Phase PreSync -SnapshotDirectory $dir @c -ErrorVariable err)
        $err | Should -BeNullOrEmpty
        $created.Count | Should -Be 2
        $created | ForEach-Object { $_.PSObject.TypeNames[0] | Should -BeExactly $SnapshotType }
        $home_ = $created | Where-Object Subvolume -EQ '@home'
        $home_.SessionId | Should -Match '^[0-9a-f]{8}$'
        ($created | Where-Object Subvolume -EQ '@').SessionId | Should -Be $home_.SessionId
        $home_.Path | Should -Match ("^$([regex]::Escape($dir))/@home-presync-\d{8}T\d{6}-$($home_.SessionId)$")
        "$($home_.Phase)" | Should -Be 'PreSync'
        $home_.ReadOnly | Should -BeTrue
        $home_.Host | Should -Be $Hostname
        if ($Mode -eq 'SSH') { $home_.ComputerName | Should -Be $Server.Alias } else { $home_.ComputerName | Should -BeNullOrEmpty }
        { [System.IO.File]::WriteAllText((Join-Path $home_.Path 'x'), 'must fail') } | Should -Throw -Because 'a snapshot is read-only'

        $listed = @(Get-BtrfsSnapshot -SnapshotDirectory $dir -Subvolume '@h*' @c -ErrorVariable listErr)
        $listErr | Should -BeNullOrEmpty
        $listed.Count | Should -Be 1
        $listed[0].Path | Should -Be $home_.Path
        $listed[0].PSObject.TypeNames[0] | Should -BeExactly $SnapshotType
        @(Get-BtrfsSnapshot -SnapshotDirectory $dir -SessionId $home_.SessionId.ToUpperInvariant() @c).Count | Should -Be 2
        @(Get-BtrfsSnapshot -SnapshotDirectory $dir -Phase PostSync @c).Count | Should -Be 0
    }

    It 'Remove-BtrfsSnapshot -KeepRecent changes nothing with -WhatIf, then removes old sessions by creation time and never a manual or foreign name' {
        $c = Get-Connection $Mode
        $dir = New-SnapshotDirectory
        # A history created directly with btrfs, a second apart: sessions named 40, 20 and 2 days old (and
        # created in that order), one named in the future but created first, a manual snapshot, a foreign name.
        $now = [datetime]::UtcNow
        $names = @(
            '@home-postsync-20991231T000000-0000000f'
            "@home-presync-$($now.AddDays(-40).ToString('yyyyMMddTHHmmss'))-0000000c"
            "@home-presync-$($now.AddDays(-20).ToString('yyyyMMddTHHmmss'))-0000000b"
            "@home-presync-$($now.AddDays(-2).ToString('yyyyMMddTHHmmss'))-0000000a"
            '@home-manual-20200101T000000-0000000e'
            '@home-presync-20200101T000000-0000000d-copy'
        )
        foreach ($name in $names) {
            New-RawSnapshot $dir $name
            $second = [long] [math]::Floor([datetime]::UtcNow.Ticks / [timespan]::TicksPerSecond)
            $null = Wait-Until { [long] [math]::Floor([datetime]::UtcNow.Ticks / [timespan]::TicksPerSecond) -gt $second } -TimeoutSeconds 5 -Because 'the next second'
        }

        $verbose = Remove-BtrfsSnapshot -KeepRecent 1 -SnapshotDirectory $dir -WhatIf -Verbose @c -ErrorVariable err -WarningVariable warned -WarningAction SilentlyContinue 4>&1
        $err | Should -BeNullOrEmpty
        Get-SnapshotName $dir | Should -Be @($names | Sort-Object)
        @($verbose | Where-Object { "$_" -match '0000000f' -and "$_" -match 'remove' }).Count | Should -Be 1
        @($warned | Where-Object { "$_" -match '0000000f' -and "$_" -match 'in the future' }).Count | Should -Be 1

        # Created seconds ago, every session is younger than 30 days, whatever its name says.
        Remove-BtrfsSnapshot -KeepRecent 1 -MaxAgeDays 30 -SnapshotDirectory $dir -Confirm:$false @c -ErrorVariable err -WarningAction SilentlyContinue
        $err | Should -BeNullOrEmpty
        Get-SnapshotName $dir | Should -Be @($names | Sort-Object)

        Remove-BtrfsSnapshot -KeepRecent 1 -SnapshotDirectory $dir -Confirm:$false @c -ErrorVariable err -WarningAction SilentlyContinue
        $err | Should -BeNullOrEmpty
        Get-SnapshotName $dir | Should -Be @($names[3], $names[4], $names[5] | Sort-Object) -Because 'the newest-created session, the manual snapshot and the foreign name stay'
    }

    It 'Remove-BtrfsSnapshot deletes piped snapshots where they were found, and -WhatIf deletes none' {
        $c = Get-Connection $Mode
        $dir = New-SnapshotDirectory
        $null = New-BtrfsSnapshot 'odd name;$(x)', '@home' -SnapshotDirectory $dir @c
        # Piped objects carry their host and directory: no -SnapshotDirectory or -ComputerName needed.
        $extra = if ($Mode -eq 'SSH') { @{ SshConfigPath = $Server.ConfigPath } } else { @{} }
        Get-BtrfsSnapshot -SnapshotDirectory $dir @c | Remove-BtrfsSnapshot -WhatIf @extra
        @(Get-SnapshotName $dir).Count | Should -Be 2
        Get-BtrfsSnapshot -SnapshotDirectory $dir @c | Where-Object Subvolume -EQ 'odd name;$(x)' | Remove-BtrfsSnapshot -Confirm:$false @extra -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $left = @(Get-BtrfsSnapshot -SnapshotDirectory $dir @c)
        $left.Subvolume | Should -Be '@home'
        Get-SnapshotName $dir | Should -BeLike '@home-manual-*'
    }
}

Describe 'New-BtrfsSnapshot input and errors' {
    It 'takes subvolume names from the pipeline, all in one session' {
        Assert-Btrfs
        $dir = New-SnapshotDirectory
        $created = @('@', '@home' | New-BtrfsSnapshot -SnapshotDirectory $dir)
        $created.Count | Should -Be 2
        @($created.SessionId | Select-Object -Unique).Count | Should -Be 1
        $pinned = [pscustomobject]@{ Subvolume = '@home' } | New-BtrfsSnapshot -SnapshotDirectory $dir -SessionId 'ABCDEF01' -Phase PostSync
        $pinned.SessionId | Should -Be 'abcdef01'
        $pinned.Path | Should -BeLike "$dir/@home-postsync-*-abcdef01"
    }

    It 'reports a missing subvolume as ObjectNotFound and creates the others' {
        Assert-Btrfs
        $dir = New-SnapshotDirectory
        $out = @(New-BtrfsSnapshot '@nope', '@home' -SnapshotDirectory $dir -ErrorVariable err -ErrorAction SilentlyContinue)
        $err.Count | Should -Be 1
        Assert-ErrorRecord $err[0] 'SubvolumeNotFound,DiskTools.Commands.Btrfs.NewBtrfsSnapshotCommand' ObjectNotFound '@nope'
        $out.Subvolume | Should -Be '@home'
    }

    It '-ErrorAction Stop makes the first error terminating and creates nothing after it' {
        Assert-Btrfs
        $dir = New-SnapshotDirectory
        $caught = $null
        try { $null = New-BtrfsSnapshot '@nope', '@home' -SnapshotDirectory $dir -ErrorAction Stop } catch { $caught = $_ }
        Assert-ErrorRecord $caught 'SubvolumeNotFound,DiskTools.Commands.Btrfs.NewBtrfsSnapshotCommand' ObjectNotFound '@nope'
        Get-SnapshotName $dir | Should -BeNullOrEmpty
    }

    It '-WhatIf creates nothing and says what it would create; -Confirm:$false creates without asking' {
        Assert-Btrfs
        $dir = New-SnapshotDirectory
        New-BtrfsSnapshot '@home' -SnapshotDirectory $dir -WhatIf | Should -BeNullOrEmpty
        Get-SnapshotName $dir | Should -BeNullOrEmpty
        # What a user reads: the host prints the What if line (a child pwsh, so its console is captured).
        $run = Invoke-TestPwsh -Environment @{ DT_DIR = $dir } -Command "New-BtrfsSnapshot '@home' -SnapshotDirectory `$env:DT_DIR -WhatIf"
        $run.StandardOutput | Should -Match ([regex]::Escape("What if: Performing the operation `"Create read-only snapshot of subvolume '@home'"))
        $run.StandardOutput | Should -Match ([regex]::Escape("$Hostname`:$dir/@home-manual-"))
        Get-SnapshotName $dir | Should -BeNullOrEmpty
        (New-BtrfsSnapshot '@home' -SnapshotDirectory $dir -Confirm:$false).ReadOnly | Should -BeTrue
        @(Get-SnapshotName $dir).Count | Should -Be 1
    }

    It 'resolves a relative -SnapshotDirectory against the current location' {
        Assert-Btrfs
        $dir = New-SnapshotDirectory
        Push-Location -LiteralPath $RootMount
        try {
            [System.IO.Directory]::GetCurrentDirectory() | Should -Not -Be $RootMount -Because 'the test must tell the two apart'
            $created = New-BtrfsSnapshot '@home' -SnapshotDirectory (Split-Path -Leaf $dir)
            $created.Path | Should -BeLike "$dir/@home-manual-*"
            (Get-BtrfsSnapshot -SnapshotDirectory "./$(Split-Path -Leaf $dir)").Path | Should -Be $created.Path
        } finally { Pop-Location }
    }

    It 'refuses a -SnapshotDirectory of another provider' {
        Assert-Btrfs
        $caught = $null
        try { Get-BtrfsSnapshot -SnapshotDirectory Env:\HOME } catch { $caught = $_ }
        Assert-ErrorRecord $caught 'NotFileSystemPath,DiskTools.Commands.Btrfs.GetBtrfsSnapshotCommand' InvalidArgument 'Env:\HOME'
    }

    It 'stops with its own error id when the directory or filesystem is wrong for the whole host' -ForEach @(
        @{ Case = 'missing directory'; ErrorId = 'SnapshotDirectoryNotFound'; Category = 'ObjectNotFound' }
        @{ Case = 'not btrfs'; ErrorId = 'NotBtrfsFileSystem'; Category = 'InvalidArgument' }
        @{ Case = 'other filesystem'; ErrorId = 'SnapshotDirectoryOnOtherFileSystem'; Category = 'InvalidArgument' }
    ) {
        Assert-Btrfs
        $dir = New-SnapshotDirectory
        $caught = $null
        $out = try {
            switch ($Case) {
                'missing directory' { Get-BtrfsSnapshot -SnapshotDirectory "$dir-missing" }
                'not btrfs' { Get-BtrfsSnapshot -SnapshotDirectory /proc }
                'other filesystem' { New-BtrfsSnapshot '@home' -SnapshotDirectory /dev/shm -FileSystem $dir }
            }
        } catch { $caught = $_ }
        $out | Should -BeNullOrEmpty
        $caught | Should -Not -BeNullOrEmpty -Because 'a host-wide failure is terminating'
        $caught.FullyQualifiedErrorId | Should -BeLike "$ErrorId,*"
        $caught.CategoryInfo.Category | Should -Be $Category
        $caught.TargetObject | Should -Not -BeNullOrEmpty
    }
}

Describe 'btrfs cmdlets over SSH: failures and stopping' {
    It 'refuses a wrong pinned host key (SecurityError) and reports a closed port (ConnectionError)' {
        Assert-Ssh
        $caught = $null
        try { Get-BtrfsSnapshot -ComputerName $Server.Alias -SshConfigPath $Server.ConfigPath -HostKeyFingerprint 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'SshHostKeyMismatch,*'
        $caught.CategoryInfo.Category | Should -Be 'SecurityError'
        $caught.Exception.Message | Should -Match ([regex]::Escape($Server.HostKeyFingerprint))
        $caught = $null
        try { Get-BtrfsSnapshot -ComputerName $Server.Alias -SshConfigPath $Server.ConfigPath -Port 1 } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -BeLike 'HostUnreachable,*'
        $caught.CategoryInfo.Category | Should -Be 'ConnectionError'
        $caught.TargetObject | Should -Not -BeNullOrEmpty
    }

    It 'stops a remote listing promptly on PowerShell.Stop (Ctrl+C)' {
        Assert-Ssh
        $dir = New-SnapshotDirectory
        $null = New-BtrfsSnapshot '@home' -SnapshotDirectory $dir
        $run = Start-HostedPipeline -Script 'while ($true) { Get-BtrfsSnapshot -ComputerName $args[0] -SshConfigPath $args[1] -SnapshotDirectory $args[2] }' -ArgumentList $Server.Alias, $Server.ConfigPath, $dir
        try {
            $null = Wait-Until { $run.Output.Count -ge 2 -or $run.Handle.IsCompleted } -TimeoutSeconds 60 -Because 'the loop listing over SSH'
            # Count only: enumerating a live PSDataCollection blocks until the pipeline ends.
            $run.Shell.Streams.Error.Count | Should -Be 0
            $run.Handle.IsCompleted | Should -BeFalse -Because 'the loop must still run to be stopped'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $run.Shell.Stop()
            $run.Handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(30)) | Should -BeTrue
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $run.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
        } finally { $run.Shell.Runspace.Dispose(); $run.Shell.Dispose() }
    }
}

Describe 'btrfs cmdlets completion' {
    It 'completes -Subvolume with the live subvolume names, quoted where PowerShell needs it, for <Command>' -ForEach @(
        @{ Command = 'New-BtrfsSnapshot' }, @{ Command = 'Get-BtrfsSnapshot' }, @{ Command = 'Remove-BtrfsSnapshot -KeepRecent 1' }
    ) {
        Assert-Btrfs
        $dir = New-SnapshotDirectory
        $offered = @(Get-CompletionText "$Command -SnapshotDirectory '$dir' -Subvolume ")
        # Quoted: a bare @home would be a splat, and the odd name a subexpression.
        $offered | Should -Contain '''@'''
        $offered | Should -Contain '''@home'''
        $offered | Should -Contain '''odd name;$(x)'''
        @(Get-CompletionText "$Command -SnapshotDirectory '$dir' -Subvolume '@h") | Should -Be @('''@home''')
        $line = "$Command -SnapshotDirectory '$dir' -Subvolume $($offered | Where-Object { $_ -eq '''@home''' })"
        $tokens = $null; $errors = $null
        [System.Management.Automation.Language.Parser]::ParseInput($line, [ref] $tokens, [ref] $errors) | Out-Null
        $errors | Should -BeNullOrEmpty -Because 'the completed line must parse'
    }

    It 'completes -Subvolume over SSH' {
        Assert-Ssh
        $dir = New-SnapshotDirectory
        $offered = @(Get-CompletionText "New-BtrfsSnapshot -ComputerName $($Server.Alias) -SshConfigPath '$($Server.ConfigPath)' -SnapshotDirectory '$dir' -Subvolume @")
        $offered | Should -Contain '''@home'''
    }

    It 'completes -Subvolume over SSH from the parameters typed alone (-IdentityFile), leaving out the subvolume that holds the snapshots' {
        Assert-Ssh
        $name = '@snapshots-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $null = $Volume.CreateSubvolume($name)
        $snapshots = $Volume.MountSubvolume($name)
        # No ssh_config: host, port, key and host key come only from the parameters typed so far.
        $line = "New-BtrfsSnapshot -ComputerName $($Server.Host) -Port $($Server.Port) -IdentityFile '$($Server.PrivateKeyPath)' " +
            "-HostKeyFingerprint '$($Server.HostKeyFingerprint)' -SnapshotDirectory '$snapshots' -Subvolume "
        $offered = @(Get-CompletionText $line)
        $offered | Should -Contain '''@home'''
        @($offered | Where-Object { $_.Contains($name) }).Count | Should -Be 0 -Because 'the snapshots go there; it is not something to snapshot'
        # With the snapshots kept elsewhere, the same subvolume is an ordinary one and is offered.
        $elsewhere = $line.Replace("-SnapshotDirectory '$snapshots'", "-SnapshotDirectory '$(New-SnapshotDirectory)'")
        @(Get-CompletionText $elsewhere | Where-Object { $_.Contains($name) }).Count | Should -Be 1
    }

    It 'completes -Phase values and parameter names' {
        Get-CompletionText 'New-BtrfsSnapshot -Phase ' | Should -Be @('Manual', 'PostSync', 'PreSync')
        Get-CompletionText 'Get-BtrfsSnapshot -Phase Pr' | Should -Be @('PreSync')
        Get-CompletionText 'Remove-BtrfsSnapshot -Keep' | Should -Be @('-KeepRecent')
        Get-CompletionText 'New-BtrfsSnapshot -SnapshotDir' | Should -Be @('-SnapshotDirectory')
    }
}

Describe 'BtrfsSnapshot objects through the standard cmdlets' {
    BeforeAll {
        if ($BtrfsReady) {
            $script:Dir = New-SnapshotDirectory
            $first = @(New-BtrfsSnapshot '@', '@home' -Phase PreSync -SnapshotDirectory $Dir)
            $second = @(New-BtrfsSnapshot '@home' -Phase PostSync -SnapshotDirectory $Dir)
            $script:Snapshots = @(Get-BtrfsSnapshot -SnapshotDirectory $Dir)
            $script:Sessions = @($first[0].SessionId, $second[0].SessionId)
        }
    }

    # -BeOfType by type name: needs DiskTools' public types published to PowerShell's type resolution.
    It 'are BtrfsSnapshot objects with a SnapshotPhase (Should -BeOfType)' {
        Assert-Btrfs
        $Snapshots | Should -BeOfType [DiskTools.Engine.Btrfs.BtrfsSnapshot]
        $Snapshots[0].Phase | Should -BeOfType [DiskTools.Engine.Btrfs.SnapshotPhase]
        @(Get-BtrfsSnapshot -SnapshotDirectory $Dir -Phase ([DiskTools.Engine.Btrfs.SnapshotPhase]::PostSync)).Count | Should -Be 1
    }

    It 'works with Select-Object, Sort-Object, Group-Object and Measure-Object' {
        Assert-Btrfs
        $Snapshots.Count | Should -Be 3
        @($Snapshots | Select-Object Subvolume, SessionId -First 1)[0].PSObject.Properties.Name | Should -Be @('Subvolume', 'SessionId')
        @(($Snapshots | Sort-Object Subvolume, Timestamp).Subvolume) | Should -Be @('@', '@home', '@home')
        $bySession = @($Snapshots | Group-Object SessionId | Sort-Object Count)
        @($bySession | ForEach-Object Count) | Should -Be @(1, 2)
        ($Snapshots | Group-Object Phase | Where-Object Name -EQ 'PreSync').Count | Should -Be 2
        ($Snapshots | Measure-Object -Property Generation -Sum).Sum | Should -BeGreaterThan 0
        ($Snapshots | Measure-Object -Property Timestamp -Maximum).Maximum | Should -Be ($Snapshots.Timestamp | Sort-Object -Descending | Select-Object -First 1)
    }

    It 'round-trips through ConvertTo-Json and Export-Csv/Import-Csv' {
        Assert-Btrfs
        $json = @($Snapshots | ConvertTo-Json -EnumsAsStrings | ConvertFrom-Json)
        $json[0].Path | Should -Be $Snapshots[0].Path
        $json[0].Phase | Should -Be "$($Snapshots[0].Phase)"
        $csv = Join-Path $TestDrive 'snapshots.csv'
        $Snapshots | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv -LiteralPath $csv)
        @($rows.Path) | Should -Be @($Snapshots.Path)
        $rows[0].ReadOnly | Should -Be 'True'
    }

    It 'renders its table (grouped by host) and list views' {
        Assert-Btrfs
        $text = $Snapshots | Get-RenderedText
        Assert-Rendered $text -Expect @('Timestamp (UTC)', 'Subvolume', 'SessionId', $Sessions[0], $Sessions[1], "Host: $Hostname", $Snapshots[0].Path)
        $text | Should -Match '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d'
        $text | Should -Match '\bro\b'
        Assert-Rendered ($Snapshots | Get-RenderedText -As List) -Expect @('Uuid', 'Generation', $Snapshots[0].Path)
    }

    It 'renders the same after Export-Clixml and Import-Clixml' {
        Assert-Btrfs
        $xml = Join-Path $TestDrive 'snapshots.xml'
        $Snapshots | Export-Clixml -LiteralPath $xml
        $back = @(Import-Clixml -LiteralPath $xml)
        $back[0].PSObject.TypeNames[0] | Should -BeExactly "Deserialized.$SnapshotType"
        $text = $back | Get-RenderedText
        Assert-Rendered $text -Expect @($Sessions[0], $Snapshots[0].Path)
        $text | Should -BeExactly ($Snapshots | Get-RenderedText)
    }
}
