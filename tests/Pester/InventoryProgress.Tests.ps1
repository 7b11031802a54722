# Progress of the inventory cmdlets as a host sees it: a pass that takes longer than the progress delay
# (0.5 s) writes progress records and closes them with a Completed record, and writes none with
# $ProgressPreference SilentlyContinue. Each cmdlet runs in a hosted runspace of this pwsh (whose progress
# stream the test reads) against the real PostgreSQL fixture. To make a pass outlast the delay without a
# big tree or a fixed sleep, the test holds a lock the pass has to wait for (or feeds the baseline through
# a FIFO) until the pass has provably been running long enough, then lets it finish.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/CmdletHelpers.ps1
    . $PSScriptRoot/Inventory.Helpers.ps1
    Import-TestModule
    $script:Connection = New-InventoryTestDatabase
    $script:SavedConnection = $env:DISKTOOLS_CONNECTION
    $env:DISKTOOLS_CONNECTION = $script:Connection
    $script:Scratch = [System.IO.Directory]::CreateTempSubdirectory('dt-progress-').FullName
    # A first pass creates the inventory's tables, so the tests can lock them.
    $null = Invoke-Reconciliation -LiteralPath (New-Item -ItemType Directory -Path (Join-Path $script:Scratch 'warm-up')).FullName -NoHash

    # A SHARE lock on an inventory table, held until Unlock-InventoryTable: reads go on, writes wait.
    function Lock-InventoryTable([string] $Table) {
        $connection = [Npgsql.NpgsqlConnection]::new($script:Connection)
        try {
            $connection.Open()
            $transaction = $connection.BeginTransaction()
            $command = $connection.CreateCommand()
            $command.Transaction = $transaction
            $command.CommandText = "LOCK TABLE $Table IN SHARE MODE"
            $null = $command.ExecuteNonQuery()
        } catch {
            $connection.Dispose()
            throw
        }
        [pscustomobject]@{ Connection = $connection; Transaction = $transaction }
    }

    function Unlock-InventoryTable($Lock) {
        if (-not $Lock) { return }
        $Lock.Transaction.Rollback()
        $Lock.Connection.Dispose()
    }

    # Sessions of the test database that have waited for a lock for longer than the progress delay.
    function Get-LongLockWaiterCount {
        Invoke-InventorySql $script:Connection ("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() " +
            "AND wait_event_type = 'Lock' AND clock_timestamp() - query_start > interval '0.6 seconds'")
    }

    # The script (arguments in $args) in a hosted runspace with this progress preference.
    function Start-ProgressRun([string] $Preference, [string] $Script, [object[]] $ArgumentList) {
        Start-HostedPipeline -Script "`$ProgressPreference = '$Preference'`n$Script" -ArgumentList $ArgumentList
    }

    # Waits for a hosted run to end; its output, errors and progress records.
    function Receive-ProgressRun($Run) {
        if (-not $Run) { return }
        try {
            if (-not $Run.Handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(120))) {
                $Run.Shell.Stop()
                throw 'the hosted pipeline did not finish within 120 s'
            }
            $null = $Run.Shell.EndInvoke($Run.Handle)
            [pscustomobject]@{
                Output = @($Run.Output)
                Errors = @($Run.Shell.Streams.Error)
                Progress = @($Run.Shell.Streams.Progress)
            }
        } finally {
            $Run.Shell.Runspace.Dispose()
            $Run.Shell.Dispose()
        }
    }

    # Progress records of one activity, every one before the last still processing, the last Completed.
    function Assert-ClosedProgress([object[]] $Records, [int] $ActivityId, [string] $StatusPattern) {
        $Records.Count | Should -BeGreaterOrEqual 2 -Because 'a pass longer than the delay shows progress, then closes it'
        foreach ($record in $Records) { $record.ActivityId | Should -Be $ActivityId }
        $Records[-1].RecordType | Should -Be 'Completed' -Because 'the last record closes the progress bar'
        @($Records | Select-Object -SkipLast 1 | Where-Object RecordType -EQ 'Completed') | Should -BeNullOrEmpty
        # A loaded machine can stretch an earlier phase (the walk) past the delay too: the phase that waited
        # on the lock must be shown, not necessarily first.
        @($Records | Where-Object StatusDescription -Match $StatusPattern) | Should -Not -BeNullOrEmpty -Because "the phase that waited must be shown ($(@($Records.StatusDescription) -join '; '))"
    }

    # Runs the script (argument: each of the two items) with progress shown and silenced, side by side, while
    # the table is locked, until both runs have waited on the lock for longer than the progress delay; then
    # lets them finish. The two runs' results, shown first.
    function Invoke-WhileTableLocked([string] $Table, [string] $Script, [object[]] $Items, [string] $Because) {
        $lock = Lock-InventoryTable $Table
        $shown = $silent = $null
        try {
            $silent = Start-ProgressRun SilentlyContinue $Script $Items[1]
            $shown = Start-ProgressRun Continue $Script $Items[0]
            $null = Wait-Until -TimeoutSeconds 60 -Because "both runs waiting on $Table for longer than the progress delay" {
                $shown.Handle.IsCompleted -or $silent.Handle.IsCompleted -or (Get-LongLockWaiterCount) -ge 2
            }
            $shown.Handle.IsCompleted | Should -BeFalse -Because $Because
            $silent.Handle.IsCompleted | Should -BeFalse -Because $Because
        } finally {
            Unlock-InventoryTable $lock
            $shownRun = Receive-ProgressRun $shown
            $silentRun = Receive-ProgressRun $silent
        }
        $shownRun, $silentRun
    }
}

AfterAll {
    $env:DISKTOOLS_CONNECTION = $script:SavedConnection
    Remove-InventoryTestDatabase $script:Connection
    if ($script:Scratch) { Remove-Item -LiteralPath $script:Scratch -Recurse -Force }
}

Describe 'Invoke-Reconciliation progress' {
    It 'writes progress closed by a Completed record, and none with $ProgressPreference SilentlyContinue' {
        $trees = foreach ($name in 'shown', 'silent') {
            $tree = Join-Path $script:Scratch "reconcile-$name"
            $null = New-Item -ItemType Directory -Path $tree
            # Registered first: a new root's records partition is attached at registration, which would
            # wait for the lock below before the pass begins, and the pass would then be too short to show.
            $null = Invoke-Reconciliation -LiteralPath $tree -NoHash
            foreach ($i in 1..4) { [System.IO.File]::WriteAllText((Join-Path $tree "f$i.txt"), "file $i") }
            $tree
        }
        # Writes of file records wait for the lock: the pass walks and compares, then waits with its write
        # batches (one file each) still to come.
        $shownRun, $silentRun = Invoke-WhileTableLocked file_records 'Invoke-Reconciliation -LiteralPath $args[0] -BatchSize 1' $trees `
            -Because 'the pass must still be waiting to write'
        $shownRun.Errors + $silentRun.Errors | Should -BeNullOrEmpty
        $shownRun.Output[0].FilesAdded | Should -Be 4
        $silentRun.Output[0].FilesAdded | Should -Be 4
        Assert-ClosedProgress $shownRun.Progress -ActivityId 7101 -StatusPattern 'of 4 new or changed files'
        $shownRun.Progress[0].Activity | Should -Be "Reconciling $($trees[0])"
        $silentRun.Progress | Should -BeNullOrEmpty
    }
}

Describe 'Import-FileInventory progress' {
    It 'writes progress closed by a Completed record, and none with $ProgressPreference SilentlyContinue' {
        # The baselines come through FIFOs, a row at a time, until the shown import has written progress
        # twice: both imports (the silent one started first) have then been reading for longer than the delay.
        $feeds = foreach ($name in 'shown', 'silent') {
            $fifo = Join-Path $script:Scratch "import-$name.csv"
            & mkfifo $fifo
            $LASTEXITCODE | Should -Be 0
            [pscustomobject]@{ Fifo = $fifo; Root = Join-Path $script:Scratch "import-root-$name" }
        }
        $script = 'Import-FileInventory -LiteralPath $args[0] -Root $args[1] -Format Csv'
        $silent = Start-ProgressRun SilentlyContinue $script $feeds[1].Fifo, $feeds[1].Root
        $shown = Start-ProgressRun Continue $script $feeds[0].Fifo, $feeds[0].Root
        # Opened for reading and writing, a FIFO does not wait for its reader; the import reads what is
        # written, and sees the end of the file once the writer is closed.
        $writers = @($feeds | ForEach-Object { [System.IO.StreamWriter]::new([System.IO.FileStream]::new($_.Fifo, 'Open', 'ReadWrite')) })
        $fed = @{ Rows = 0 }
        try {
            foreach ($writer in $writers) { $writer.WriteLine('path,size,modified,accessed') }
            $null = Wait-Until -TimeoutSeconds 60 -Because 'two progress records of the shown import' {
                $n = ++$fed.Rows
                foreach ($writer in $writers) { $writer.WriteLine("f$n.txt,$n,2025-01-01T00:00:00Z,"); $writer.Flush() }
                $shown.Shell.Streams.Progress.Count -ge 2 -or $shown.Handle.IsCompleted
            }
            $shown.Handle.IsCompleted | Should -BeFalse -Because 'the import reads until the FIFO is closed'
        } finally {
            foreach ($writer in $writers) { $writer.Dispose() }
            $shownRun = Receive-ProgressRun $shown
            $silentRun = Receive-ProgressRun $silent
        }
        $shownRun.Errors + $silentRun.Errors | Should -BeNullOrEmpty
        $shownRun.Output[0].Inserted | Should -Be $fed.Rows
        $silentRun.Output[0].Inserted | Should -Be $fed.Rows
        $shownRun.Progress.Count | Should -BeGreaterOrEqual 3
        Assert-ClosedProgress $shownRun.Progress -ActivityId 0x4949 -StatusPattern '^[\d,]+ rows read, 0 skipped$'
        $shownRun.Progress[0].Activity | Should -Be 'Importing import-shown.csv'
        $silentRun.Progress | Should -BeNullOrEmpty
    }
}

Describe 'Watch-LucidAudit progress' {
    It 'writes progress closed by a Completed record, and none with $ProgressPreference SilentlyContinue' {
        $when = [datetime]::new(2025, 11, 29, 14, 31, 0, [System.DateTimeKind]::Utc)
        $roots = foreach ($name in 'shown', 'silent') {
            $root = Join-Path $script:Scratch "lucid-$name"
            $null = New-Item -ItemType Directory -Path $root
            [System.IO.File]::WriteAllText((Join-Path $root 'a.txt'), 'a')
            $null = Invoke-Reconciliation -LiteralPath $root -NoHash
            $logs = Join-Path $root '.lucid_audit/n1/2025/11'
            $null = New-Item -ItemType Directory -Force -Path $logs
            [System.IO.File]::WriteAllText((Join-Path $logs '2025-11-29T14.30.22Z.log.active'), (Get-AuditLine FileRead '/a.txt' $when) + "`n")
            $root
        }
        # Staging the log waits for the lock.
        $shownRun, $silentRun = Invoke-WhileTableLocked staging_lucid_audit 'Watch-LucidAudit -LiteralPath $args[0] -Once' $roots `
            -Because 'the pass must still be waiting to stage'
        $shownRun.Errors + $silentRun.Errors | Should -BeNullOrEmpty
        $shownRun.Output[0].Applied | Should -Be 1
        $silentRun.Output[0].Applied | Should -Be 1
        Assert-ClosedProgress $shownRun.Progress -ActivityId 0x4C41 -StatusPattern '^1 of 1 logs, 1 events$'
        $shownRun.Progress[0].CurrentOperation | Should -Be '.lucid_audit/n1/2025/11/2025-11-29T14.30.22Z.log.active'
        $silentRun.Progress | Should -BeNullOrEmpty
    }
}
