# Invoke-Reconciliation -Watch as a service runs it: stopped by SIGTERM or SIGHUP in real pwsh and in the
# disktools launcher, it closes its realtime operation and removes its heartbeat; a second -Watch of the
# same root is refused while the first runs. Real PostgreSQL (the shared PostgresCluster fixture).

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-TestModule
    Import-TestFixtures

    function New-WatchedTree {
        $root = Join-Path ([System.IO.Path]::GetTempPath()) ('dt-watch-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
        $null = New-Item -ItemType Directory -Path (Join-Path $root 'd')
        foreach ($i in 1..5) { Set-Content -LiteralPath (Join-Path $root "d/f$i.txt") -Value "content $i" }
        $root
    }

    # Starts a watch in a fresh process (pwsh with the module, or the launcher) and waits for its heartbeat.
    function Start-Watch([string] $Root, [string] $ConnectionString, [string] $Host_) {
        $environment = @{ DISKTOOLS_CONNECTION = $ConnectionString }
        $started = if ($Host_ -eq 'launcher') {
            Start-TestProcess -FilePath (Get-TestLauncherPath) -ArgumentList @('Invoke-Reconciliation', '-LiteralPath', $Root, '-Watch', '-DebounceInterval', '00:00:00.1') -Environment $environment
        } else {
            Start-TestPwsh -Command "Invoke-Reconciliation -LiteralPath '$($Root.Replace("'", "''"))' -Watch -DebounceInterval 00:00:00.1" -Environment $environment
        }
        $null = Wait-Until -TimeoutSeconds 60 -Because "the watcher of $Root to beat" {
            $started.Process.HasExited -or (Get-ReconciliationStatus -Path $Root -ConnectionString $ConnectionString -ErrorAction Ignore |
                Where-Object { $_.IsWatching -and $_.WatcherProcessId -eq $started.Process.Id })
        }
        if ($started.Process.HasExited) {
            throw "the watcher exited early ($($started.Process.ExitCode)): $($started.StandardError.GetAwaiter().GetResult())"
        }
        $started
    }

    function Get-Operations([string] $Root, [string] $ConnectionString) {
        @(Get-ReconciliationOperation -Path $Root -Last 50 -ConnectionString $ConnectionString)
    }
}

Describe 'Invoke-Reconciliation -Watch stopped by a signal' {
    BeforeAll {
        $script:Cluster = [DiskTools.TestFixtures.PostgresCluster]::Shared
    }

    It 'SIG<Signal> in <Host_> closes the realtime operation and removes the heartbeat' -ForEach @(
        @{ Signal = 'TERM'; Host_ = 'pwsh' }
        @{ Signal = 'HUP'; Host_ = 'pwsh' }
        @{ Signal = 'TERM'; Host_ = 'launcher' }
        @{ Signal = 'HUP'; Host_ = 'launcher' }
    ) {
        Assert-TestPrerequisite -Available ([DiskTools.TestFixtures.Prerequisite]::FindExecutable('pg_ctl') -or (Test-Path /usr/lib/postgresql)) -Because 'PostgreSQL server binaries'
        $cs = $script:Cluster.CreateDatabase()
        $root = New-WatchedTree
        try {
            $watch = Start-Watch -Root $root -ConnectionString $cs -Host_ $Host_

            # A change opens this minute's realtime operation; wait until it is there and running.
            Set-Content -LiteralPath (Join-Path $root 'd/new.txt') -Value 'arrived while watched'
            $null = Wait-Until -TimeoutSeconds 30 -Because 'the new file recorded in a running realtime operation' {
                (Get-FileRecord -Path $root -Filter 'd/new.txt' -ConnectionString $cs) -and
                    (Get-Operations $root $cs | Where-Object { $_.OperationType -eq 'realtime' -and $_.Status -eq 'running' })
            }

            Send-TestSignal -ProcessId $watch.Process.Id -Signal $Signal
            $exited = Wait-TestProcess $watch -TimeoutSeconds 30

            $operations = Get-Operations $root $cs
            @($operations | Where-Object Status -eq 'running') | Should -BeNullOrEmpty -Because "SIG$Signal must close every operation ($($exited.StandardError))"
            $realtime = @($operations | Where-Object OperationType -eq 'realtime')
            $realtime.Count | Should -Be 1
            $realtime[0].Status | Should -Be 'completed'
            $realtime[0].FilesAdded | Should -Be 1
            $status = Get-ReconciliationStatus -Path $root -ConnectionString $cs
            $status.IsWatching | Should -BeFalse
            $status.WatcherProcessId | Should -BeNullOrEmpty -Because 'the heartbeat row is removed, not left to go stale'
            if ($Host_ -eq 'launcher' -and $Signal -eq 'TERM') { $exited.ExitCode | Should -Be 143 }
        }
        finally {
            if ($watch -and -not $watch.Process.HasExited) { $watch.Process.Kill($true) }
            Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction Ignore
        }
    }

    It 'refuses a second -Watch of the same root while the first runs, and the first keeps its heartbeat' {
        Assert-TestPrerequisite -Available ([DiskTools.TestFixtures.Prerequisite]::FindExecutable('pg_ctl') -or (Test-Path /usr/lib/postgresql)) -Because 'PostgreSQL server binaries'
        $cs = $script:Cluster.CreateDatabase()
        $root = New-WatchedTree
        try {
            $first = Start-Watch -Root $root -ConnectionString $cs -Host_ 'pwsh'
            $second = Invoke-TestPwsh -TimeoutSeconds 60 -Environment @{ DISKTOOLS_CONNECTION = $cs } -Command @"
Invoke-Reconciliation -LiteralPath '$($root.Replace("'", "''"))' -Watch -ErrorVariable failed -ErrorAction SilentlyContinue
`$failed | ForEach-Object { `$_.FullyQualifiedErrorId + '|' + `$_.CategoryInfo.Category + '|' + `$_.Exception.Message }
"@
            $second.StandardOutput | Should -Match 'ReconciliationWatchInProgress'
            $second.StandardOutput | Should -Match 'ResourceUnavailable'
            $second.StandardOutput | Should -Match "process $($first.Process.Id)"
            $status = Get-ReconciliationStatus -Path $root -ConnectionString $cs
            $status.WatcherProcessId | Should -Be $first.Process.Id
            $first.Process.HasExited | Should -BeFalse

            Send-TestSignal -ProcessId $first.Process.Id -Signal TERM
            $null = Wait-TestProcess $first -TimeoutSeconds 30
        }
        finally {
            if ($first -and -not $first.Process.HasExited) { $first.Process.Kill($true) }
            Remove-Item -LiteralPath $root -Recurse -Force -ErrorAction Ignore
        }
    }
}
