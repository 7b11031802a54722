# No cmdlet returns while its work runs, and views show live and deserialized objects alike. These run
# in the suite's own pwsh: the scan's walker threads are threads of this very process.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-TestModule

    # Walker threads of this process, once given up to half a second to be gone: the work itself has ended
    # when the cmdlet returns (the walk joins its threads), but the kernel may list a thread for a moment
    # after it has returned. The issue's bound for "back to idle" is 0.5 s.
    function Get-WalkerThreadCount {
        $deadline = [DateTime]::UtcNow.AddMilliseconds(500)
        do {
            $count = @([System.IO.Directory]::GetDirectories('/proc/self/task') | Where-Object {
                    try { [System.IO.File]::ReadAllText("$_/comm") -like 'disktools-walk*' } catch [System.IO.IOException] { $false } }).Count
        } while ($count -gt 0 -and [DateTime]::UtcNow -lt $deadline)
        $count
    }

    function Get-EngineObject([string] $TypeName, [hashtable] $Values) {
        $engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'DiskTools.Engine' }
        $object = [Activator]::CreateInstance($engine.GetType($TypeName, $true))
        foreach ($key in $Values.Keys) { $object.$key = $Values[$key] }
        $object
    }

    function Format-Both($Live) {
        $file = Join-Path $TestDrive "$([guid]::NewGuid()).xml"
        $Live | Export-Clixml -LiteralPath $file
        $back = Import-Clixml -LiteralPath $file
        $back.pstypenames[0] | Should -BeLike 'Deserialized.*'
        [pscustomobject]@{
            Live         = ($Live | Format-Table | Out-String -Width 200).Trim()
            Deserialized = ($back | Format-Table | Out-String -Width 200).Trim()
        }
    }
}

Describe 'A cmdlet ends its work before it returns' {
    It 'Select-Object -First stops every outstanding scan: no walker thread is left when the pipeline returns' {
        $first = Get-DiskUsage /etc, /usr, /root, / | Select-Object -First 1
        $first.Path | Should -Be '/etc'
        Get-WalkerThreadCount | Should -Be 0
    }

    It 'Select-Object -First on sessions stops the scan as well' {
        $null = Get-DiskUsage /usr, / -Depth 3 -AsSession | Select-Object -First 1
        Get-WalkerThreadCount | Should -Be 0
    }

    It 'an error made terminating by -ErrorAction Stop ends the remaining scans before the catch block runs' {
        $walkers = $null
        try {
            Get-DiskUsage /nonexistent-disktools-path, /usr, / -Depth 2 -ErrorAction Stop | Out-Null
        }
        catch {
            $walkers = Get-WalkerThreadCount
            $_.FullyQualifiedErrorId | Should -Be 'PathNotFound,DiskTools.Commands.DiskUsage.GetDiskUsageCommand'
        }
        $walkers | Should -Be 0
    }

    It 'so does $ErrorActionPreference = Stop' {
        $walkers = $null
        & {
            $ErrorActionPreference = 'Stop'
            try { Get-DiskUsage /nonexistent-disktools-path, /usr, / -Depth 2 | Out-Null }
            catch { $script:walkers = Get-WalkerThreadCount }
        }
        $script:walkers | Should -Be 0
    }
}

Describe 'Views render live and deserialized objects alike' {
    BeforeAll {
        $script:Now = [DateTimeOffset]::new(2026, 1, 2, 3, 4, 5, [TimeSpan]::Zero)
    }

    It 'DiskUsageEntry keeps Size, Share, Files and Dirs after Export-Clixml/Import-Clixml' {
        $view = Format-Both (Get-DiskUsage /etc -Depth 0)
        $view.Deserialized | Should -Be $view.Live
        $view.Live | Should -Match '\d+(\.\d)? [KMG]iB .*█+ +\d+%\s+[\d,]+\s+[\d,]+ /etc'
    }

    It 'DiskUsageEntry from Start-Job (Receive-Job) renders the Format-Table text of the live one, Size and Share included' {
        # Directories of different sizes, so every row has its own size and share bar.
        $root = Join-Path $TestDrive 'job-tree'
        foreach ($dir in @{ small = 1; medium = 8; large = 64 }.GetEnumerator()) {
            $null = New-Item -ItemType Directory -Force -Path (Join-Path $root $dir.Key)
            [System.IO.File]::WriteAllBytes((Join-Path $root "$($dir.Key)/data.bin"), [byte[]]::new($dir.Value * 4096))
        }
        $live = @(Get-DiskUsage -LiteralPath $root)
        $job = Start-Job -ScriptBlock { param($manifest, $path) Import-Module $manifest; Get-DiskUsage -LiteralPath $path } -ArgumentList (Get-TestModuleManifest), $root
        try {
            $null = Wait-Job $job -Timeout 120
            $job.State | Should -Be 'Completed' -Because "$($job.ChildJobs[0].JobStateInfo.Reason)"
            $received = @(Receive-Job $job)
        } finally {
            Remove-Job $job -Force
        }
        $received.Count | Should -Be $live.Count
        $received | ForEach-Object { $_.pstypenames[0] | Should -Be 'Deserialized.DiskTools.Engine.DiskUsage.DiskUsageEntry' }
        $liveText = ($live | Format-Table | Out-String -Width 200).Trim()
        ($received | Format-Table | Out-String -Width 200).Trim() | Should -Be $liveText
        $liveText | Should -Match 'Size Share'
        foreach ($name in 'small', 'medium', 'large') {
            $liveText | Should -Match ('\d+(\.\d)? [KMG]iB \S{12} +\d+%\s+[\d,]+\s+[\d,]+ ' + [regex]::Escape((Join-Path $root $name)))
        }
    }

    It 'ScanSession keeps its sizes' {
        $view = Format-Both (Get-DiskUsage /etc -Depth 0 -AsSession)
        $view.Deserialized | Should -Be $view.Live
        $view.Live | Should -Match 'Completed\s+\d+(\.\d)? [KMG]iB'
    }

    It 'the Lag of an audit ingest shows, not #ERR' {
        $result = Get-EngineObject 'DiskTools.Engine.LucidAudit.AuditIngestResult' @{ Root = '/srv/audit'; Lag = [TimeSpan]::new(1, 2, 3, 4); Duration = [TimeSpan]::FromSeconds(2.5) }
        $view = Format-Both $result
        $view.Deserialized | Should -Be $view.Live
        $view.Live | Should -Not -Match '#ERR'
        $view.Live | Should -Match '1\.02:03:04\s+2\.50 s /srv/audit'
    }

    It 'ReconciliationStatus shows NextReconciliation and its whole last operation and root path' {
        $operation = Get-EngineObject 'DiskTools.Engine.Reconciliation.ReconciliationOperation' @{ OperationType = 'reconciliation'; Status = 'completed'; StartTime = $script:Now }
        $status = Get-EngineObject 'DiskTools.Engine.Reconciliation.ReconciliationStatus' @{
            RootPath = '/srv/a/rather/long/root/path/of/a/repository'; IsWatching = $true; LastOperation = $operation; NextReconciliation = $script:Now.AddHours(1) }
        $view = Format-Both $status
        $view.Deserialized | Should -Be $view.Live
        $view.Live | Should -Not -Match '#ERR'
        $view.Live | Should -Match 'reconciliation completed \d{4}-\d\d-\d\d \d\d:\d\d\s+\d{4}-\d\d-\d\d \d\d:\d\d\s+/srv/a/rather/long/root/path/of/a/repository'
    }

    It 'a -WhatIf SyncSession shows its whole status' {
        $session = Get-EngineObject 'DiskTools.Engine.Sync.Session.SyncSession' @{ SessionId = 'abcd1234'; StartedAt = $script:Now; Status = 'Completed'; WhatIf = $true; TargetHostname = 'nas' }
        $view = Format-Both $session
        $view.Deserialized | Should -Be $view.Live
        $view.Live | Should -Match 'abcd1234\s+Completed \(WhatIf\)'
    }
}

Describe 'Messages' {
    It 'names a non-file-system path with the right article' {
        Get-DiskUsage -LiteralPath env:PATH -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed[0].Exception.Message | Should -Be "'env:PATH' is an Environment path; DiskTools works on file-system paths only."
    }
}
