# Set-FileTierState and Get-UnmatchedAuditEvent as users run them in pwsh, against a real PostgreSQL
# database (the shared fixture, a fresh database for this file): states set by root and relative path or
# from Get-FileRecord and read back with Get-FileRecord; the audit events Watch-LucidAudit queued because
# the inventory did not know their paths.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/Inventory.Helpers.ps1
    Import-TestModule
    $script:Connection = New-InventoryTestDatabase
    $script:SavedConnection = $env:DISKTOOLS_CONNECTION
    $env:DISKTOOLS_CONNECTION = $script:Connection
    $script:Scratch = [System.IO.Directory]::CreateTempSubdirectory('dt-tier-').FullName

    # A directory under the scratch folder with these files, reconciled into the inventory.
    function New-ReconciledRoot([string] $Name, [string[]] $Files) {
        $root = Join-Path $script:Scratch $Name
        foreach ($file in $Files) {
            $path = Join-Path $root $file
            $null = New-Item -ItemType Directory -Force -Path ([System.IO.Path]::GetDirectoryName($path))
            [System.IO.File]::WriteAllText($path, $file)
        }
        $null = Invoke-Reconciliation -LiteralPath $root -NoHash
        $root
    }

    # The tier state of one record as Get-FileRecord shows it (by exact relative path, no glob).
    function Get-TierState([string] $Root, [string] $FilePath) {
        $records = @(Get-FileRecord -Path $Root | Where-Object FilePath -CEQ $FilePath)
        $records.Count | Should -Be 1 -Because "'$FilePath' has one record under '$Root'"
        $records[0].TierState
    }

    # Sets a state behind the cmdlet's back, so each test starts from a state it did not set itself.
    function Set-StoredTierState([string] $Root, [string] $FilePath, [string] $State) {
        $null = Invoke-InventorySql $script:Connection ("UPDATE file_records f SET tier_state = '$State' FROM repositories r " +
            "WHERE r.id = f.repository_id AND r.root_path = '$($Root.Replace("'", "''"))' AND f.file_path = '$($FilePath.Replace("'", "''"))'")
        Get-TierState $Root $FilePath | Should -Be $State
    }

    $script:When = [datetime]::new(2025, 11, 29, 14, 31, 0, [System.DateTimeKind]::Utc)
}

AfterAll {
    $env:DISKTOOLS_CONNECTION = $script:SavedConnection
    Remove-InventoryTestDatabase $script:Connection
    if ($script:Scratch) { Remove-Item -LiteralPath $script:Scratch -Recurse -Force }
}

Describe 'Set-FileTierState' {
    BeforeAll {
        $script:States = New-ReconciledRoot 'states' @('none.txt', 'planned.txt', 'stubbed.txt', 'rehydrated.txt', 'deleted.txt', 'bystander.txt')
    }

    It 'sets <State> by root and relative path, without -WhatIf, and Get-FileRecord reads it back' -ForEach @(
        @{ State = 'Planned'; File = 'planned.txt' }
        @{ State = 'Stubbed'; File = 'stubbed.txt' }
        @{ State = 'Rehydrated'; File = 'rehydrated.txt' }
        @{ State = 'Deleted'; File = 'deleted.txt' }
        @{ State = 'None'; File = 'none.txt' }
    ) {
        $before = if ($State -eq 'Stubbed') { 'planned' } else { 'stubbed' }
        Set-StoredTierState $script:States $File $before
        Set-StoredTierState $script:States 'bystander.txt' 'rehydrated'
        Set-FileTierState -Path $script:States -FilePath $File -State $State -Confirm:$false | Should -BeNullOrEmpty -Because 'only -PassThru writes the records'
        Get-TierState $script:States $File | Should -BeExactly $State.ToLowerInvariant()
        Get-TierState $script:States 'bystander.txt' | Should -Be 'rehydrated' -Because 'no other record changes'
    }

    It 'writes the records as they are after the change with -PassThru' {
        Set-StoredTierState $script:States 'planned.txt' 'none'
        $before = Get-FileRecord -Path $script:States | Where-Object FilePath -EQ 'planned.txt'
        $updatedSql = "SELECT updated_utc FROM file_records WHERE id = $($before.Id)"
        $updatedBefore = Invoke-InventorySql $script:Connection $updatedSql
        $changed = @(Set-FileTierState $script:States 'planned.txt' -State Planned -PassThru -Confirm:$false)
        $changed.Count | Should -Be 1
        $changed[0] | Should -BeOfType ([DiskTools.Engine.Reconciliation.FileRecord])
        $changed[0].TierState | Should -Be 'planned'
        $changed[0].Id | Should -Be $before.Id
        Invoke-InventorySql $script:Connection $updatedSql | Should -BeGreaterThan $updatedBefore -Because 'updated_utc moves with the state'
        $changed[0].LastAccessed | Should -Be $before.LastAccessed -Because 'the access history stays as it was'
        $changed[0].AccessCount | Should -Be $before.AccessCount
    }

    It 'sets the state of every record piped from Get-FileRecord, and only of those' {
        $root = New-ReconciledRoot 'piped' @('cold/a.mov', 'cold/b.mov', 'hot/c.txt')
        Get-FileRecord -Path $root -Filter 'cold/*' | Set-FileTierState -State Stubbed -Confirm:$false
        Get-TierState $root 'cold/a.mov' | Should -Be 'stubbed'
        Get-TierState $root 'cold/b.mov' | Should -Be 'stubbed'
        Get-TierState $root 'hot/c.txt' | Should -Be 'none'
        # Relative paths by property name, under a root given once.
        Get-FileRecord -Path $root -Filter 'hot/*' | Select-Object FilePath | Set-FileTierState -Path $root -State Planned -Confirm:$false
        Get-TierState $root 'hot/c.txt' | Should -Be 'planned'
    }

    It 'changes nothing with -WhatIf, by path or from the pipeline' {
        $root = New-ReconciledRoot 'whatif' @('a.txt', 'b.txt')
        Set-FileTierState -Path $root -FilePath a.txt, b.txt -State Deleted -WhatIf -PassThru | Should -BeNullOrEmpty
        Get-FileRecord -Path $root | Set-FileTierState -State Planned -WhatIf -PassThru | Should -BeNullOrEmpty
        (Get-FileRecord -Path $root).TierState | Should -Be 'none', 'none'
        Invoke-InventorySql $script:Connection "SELECT count(*) FROM file_records f JOIN repositories r ON r.id = f.repository_id WHERE r.root_path = '$root' AND f.tier_state <> 'none'" | Should -Be 0
    }

    It 'changes without asking with -Confirm:$false, even where $ConfirmPreference would ask' {
        $root = New-ReconciledRoot 'confirm' @('a.txt')
        & {
            # Medium impact: a preference of Medium or lower asks, which this non-interactive host cannot.
            $ConfirmPreference = 'Low'
            Set-FileTierState -Path $root -FilePath a.txt -State Stubbed -Confirm:$false -ErrorAction Stop
        }
        Get-TierState $root 'a.txt' | Should -Be 'stubbed'
    }

    It 'reports a relative path without a record as FileRecordNotFound and still sets the others' {
        $root = New-ReconciledRoot 'missing-one' @('a.txt', 'c.txt')
        $missing = Join-Path $root 'b.txt'
        $changed = @(Set-FileTierState -Path $root -FilePath a.txt, b.txt, c.txt -State Planned -PassThru -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue)
        $changed.FilePath | Sort-Object | Should -Be 'a.txt', 'c.txt'
        $problems.Count | Should -Be 1
        Assert-ErrorRecord $problems[0] -Id FileRecordNotFound -Category ObjectNotFound -Target $missing
        $problems[0].Exception.Message | Should -Match ([regex]::Escape("'$missing' has no record"))
        Get-TierState $root 'c.txt' | Should -Be 'planned'
    }

    It 'stops at a relative path without a record with -ErrorAction Stop and sets none of them' {
        $root = New-ReconciledRoot 'missing-stop' @('a.txt', 'c.txt')
        $thrown = $null
        try { Set-FileTierState -Path $root -FilePath a.txt, b.txt, c.txt -State Deleted -Confirm:$false -ErrorAction Stop } catch { $thrown = $_ }
        Assert-ErrorRecord $thrown -Id FileRecordNotFound -Category ObjectNotFound -Target (Join-Path $root 'b.txt')
        (Get-FileRecord -Path $root).TierState | Should -Be 'none', 'none' -Because 'all approved records change in one statement at the end'
    }

    It 'reports a piped record deleted meanwhile by its id, and a piped object that is no record, and sets the rest' {
        $root = New-ReconciledRoot 'deleted-meanwhile' @('a.txt', 'b.txt', 'c.txt')
        $records = @(Get-FileRecord -Path $root | Sort-Object FilePath)
        $gone = $records[1]
        $null = Invoke-InventorySql $script:Connection "DELETE FROM file_records WHERE id = $($gone.Id)"
        $changed = @($records[0], 'not a record', $gone, $records[2] | Set-FileTierState -State Stubbed -PassThru -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue)
        $changed.FilePath | Sort-Object | Should -Be 'a.txt', 'c.txt'
        $problems.Count | Should -Be 2
        Assert-ErrorRecord $problems[0] -Id InputObjectNotBound -Category InvalidArgument -Target 'not a record'
        Assert-ErrorRecord $problems[1] -Id FileRecordNotFound -Category ObjectNotFound -Target $gone.Id
        Get-TierState $root 'c.txt' | Should -Be 'stubbed'
    }

    It 'names an unregistered root, a non-FileSystem path and a missing drive in a terminating error: <Root>' -ForEach @(
        @{ Root = '/no/such/root'; Id = 'InventoryRootNotFound'; Category = 'ObjectNotFound' }
        @{ Root = 'Env:/HOME'; Id = 'NotFileSystemPath'; Category = 'InvalidArgument' }
        @{ Root = 'NoSuchDtDrive:/x'; Id = 'PathNotFound'; Category = 'ObjectNotFound' }
    ) {
        $thrown = $null
        try { Set-FileTierState -Path $Root -FilePath a.txt -State Deleted -Confirm:$false } catch { $thrown = $_ }
        Assert-ErrorRecord $thrown -Id $Id -Category $Category -Target $Root
        { Set-FileTierState -Path $Root -FilePath a.txt -State Deleted -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId "$Id,*"
    }

    It 'refuses a -State that is not a tier state at binding' {
        { Set-FileTierState -Path $script:States -FilePath none.txt -State Archived -Confirm:$false } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,*'
        Get-TierState $script:States 'none.txt' | Should -Not -Be 'archived'
    }

    It 'takes -Path as typed: brackets, quotes and $ in the root, relative, ~ and PSDrive roots' {
        $odd = New-ReconciledRoot "odd [1] 'q' `$x" @('f [2].txt', 'f2.txt')
        Set-FileTierState -Path $odd -FilePath 'f [2].txt' -State Planned -Confirm:$false
        Get-TierState $odd 'f [2].txt' | Should -Be 'planned'
        Get-TierState $odd 'f2.txt' | Should -Be 'none' -Because '-FilePath is no wildcard'

        Push-Location -LiteralPath $script:Scratch
        try { Set-FileTierState -Path "./odd [1] 'q' `$x" -FilePath f2.txt -State Stubbed -Confirm:$false } finally { Pop-Location }
        Get-TierState $odd 'f2.txt' | Should -Be 'stubbed'

        $provider = Get-PSProvider FileSystem
        $savedHome = $provider.Home
        try { $provider.Home = $script:Scratch; Set-FileTierState -Path "~/odd [1] 'q' `$x" -FilePath f2.txt -State Rehydrated -Confirm:$false } finally { $provider.Home = $savedHome }
        Get-TierState $odd 'f2.txt' | Should -Be 'rehydrated'

        $null = New-PSDrive -Name DtTier -PSProvider FileSystem -Root $odd
        try { Set-FileTierState -Path DtTier:/ -FilePath f2.txt -State Deleted -Confirm:$false } finally { Remove-PSDrive DtTier }
        Get-TierState $odd 'f2.txt' | Should -Be 'deleted'
    }

    It 'expands no wildcard in -Path or -FilePath: a pattern names no root and no record' {
        $pattern = Join-Path $script:Scratch 'state?'
        $thrown = $null
        try { Set-FileTierState -Path $pattern -FilePath none.txt -State Planned -Confirm:$false } catch { $thrown = $_ }
        Assert-ErrorRecord $thrown -Id InventoryRootNotFound -Category ObjectNotFound -Target $pattern
        Set-FileTierState -Path $script:States -FilePath '*.txt' -State Planned -Confirm:$false -ErrorVariable problems -ErrorAction SilentlyContinue
        Assert-ErrorRecord $problems[0] -Id FileRecordNotFound -Category ObjectNotFound -Target (Join-Path $script:States '*.txt')
    }

    It 'completes its parameter names, the -State values and root paths' {
        Get-CompletionText 'Set-FileTierState -State ' | Sort-Object | Should -Be 'Deleted', 'None', 'Planned', 'Rehydrated', 'Stubbed'
        Get-CompletionText 'Set-FileTierState -State P' | Should -Be 'Planned'
        Get-CompletionText 'Set-FileTierState x.txt -State d' | Should -Be 'Deleted'
        Get-CompletionText 'Set-FileTierState -Pa' | Should -Be '-Path', '-PassThru'
        Get-CompletionText 'Set-FileTierState -Fi' | Should -Be '-FilePath'
        Get-CompletionText 'Set-FileTierState -In' | Should -Contain '-InputObject'
        Get-CompletionText "Set-FileTierState -Path $(Join-Path $script:Scratch 'stat')" | Should -Contain $script:States
    }
}

Describe 'Get-UnmatchedAuditEvent' {
    BeforeAll {
        # Two filespaces whose audit trails name files the inventory does not hold (and one it does).
        $script:Lucid = New-ReconciledRoot 'lucid-a' @('known.txt')
        $script:Other = New-ReconciledRoot 'lucid-b' @('known.txt')
        $script:LogA = Add-AuditLog $script:Lucid @(
            Get-AuditLine FileRead '/known.txt' $script:When
            Get-AuditLine FileCreate '/new1.txt' $script:When.AddSeconds(1) 'bob'
            Get-AuditLine Move '/old.txt' $script:When.AddSeconds(2) 'cat' -Target '/moved.txt'
            Get-AuditLine FileRead '/new2.txt' $script:When.AddSeconds(3))
        $null = Add-AuditLog $script:Other @(
            Get-AuditLine FileRead '/b1.txt' $script:When
            Get-AuditLine FileRead '/b2.txt' $script:When.AddSeconds(1))
        $script:Passes = @(Watch-LucidAudit -LiteralPath $script:Lucid, $script:Other -Once -WarningAction SilentlyContinue)
    }

    It 'lists the queued events of a root, newest first, with where each came from' {
        $events = @(Get-UnmatchedAuditEvent -Path $script:Lucid)
        $events.Count | Should -Be 3
        foreach ($e in $events) {
            $e | Should -BeOfType ([DiskTools.Engine.LucidAudit.UnmatchedAuditEvent])
            $e.Root | Should -Be $script:Lucid
            $e.NodeId | Should -Be 'n1'
            $e.AuditFile | Should -Match '2025-11-29T14\.30\.22Z\.log'
        }
        $events.EntryPath | Should -Be 'new2.txt', 'old.txt', 'new1.txt'
        $events.Action | Should -Be 'FileRead', 'Move', 'FileCreate'
        $events.UserName | Should -Be 'ann', 'cat', 'bob'
        $events.LineNumber | Should -Be 4, 3, 2
        $events[1].TargetPath | Should -Be 'moved.txt'
        $events[2].EventTime | Should -Be ([datetimeoffset] $script:When.AddSeconds(1))
        $events.EntryPath | Should -Not -Contain 'known.txt'
    }

    It 'counts -Last per root, and lists every root without -Path' {
        $last = @(Get-UnmatchedAuditEvent -Path $script:Lucid, $script:Other -Last 1)
        $last.Root | Should -Be $script:Lucid, $script:Other
        $last.EntryPath | Should -Be 'new2.txt', 'b2.txt'
        $all = @(Get-UnmatchedAuditEvent)
        $all.Count | Should -Be 5
        @($all | Group-Object Root | Sort-Object Name | ForEach-Object Count) | Should -Be 3, 2
        { Get-UnmatchedAuditEvent -Last 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'takes roots by property name from Get-FileRecord, Get-ReconciliationStatus and Watch-LucidAudit' {
        $expected = @(Get-UnmatchedAuditEvent -Path $script:Lucid).EntryPath
        @(Get-FileRecord -Path $script:Lucid | Get-UnmatchedAuditEvent).EntryPath | Should -Be $expected
        @(Get-ReconciliationStatus -Path $script:Lucid | Get-UnmatchedAuditEvent).EntryPath | Should -Be $expected
        $result = $script:Passes | Where-Object { $_.PSObject.TypeNames[0] -eq 'DiskTools.Engine.LucidAudit.AuditIngestResult' -and $_.Root -eq $script:Lucid }
        @($result | Get-UnmatchedAuditEvent).EntryPath | Should -Be $expected
    }

    It 'resolves relative, ~ and PSDrive roots, takes odd names as typed and expands no wildcard' {
        $name = [System.IO.Path]::GetFileName($script:Lucid)
        Push-Location -LiteralPath $script:Scratch
        try { @(Get-UnmatchedAuditEvent "./$name").Count | Should -Be 3 } finally { Pop-Location }
        $provider = Get-PSProvider FileSystem
        $savedHome = $provider.Home
        try { $provider.Home = $script:Scratch; @(Get-UnmatchedAuditEvent "~/$name").Count | Should -Be 3 } finally { $provider.Home = $savedHome }
        $null = New-PSDrive -Name DtUnmatched -PSProvider FileSystem -Root $script:Scratch
        try { @(Get-UnmatchedAuditEvent "DtUnmatched:/$name").Root | Select-Object -Unique | Should -Be $script:Lucid } finally { Remove-PSDrive DtUnmatched }

        $odd = New-ReconciledRoot "lucid [1] 'q' `$x" @('known.txt')
        $null = Add-AuditLog $odd @(Get-AuditLine FileRead '/odd-new.txt' $script:When)
        $null = Watch-LucidAudit -LiteralPath $odd -Once -WarningAction SilentlyContinue
        @(Get-UnmatchedAuditEvent -Path $odd).EntryPath | Should -Be 'odd-new.txt'

        $pattern = Join-Path $script:Scratch 'lucid-?'
        Get-UnmatchedAuditEvent -Path $pattern -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $problems[0] -Id InventoryRootNotFound -Category ObjectNotFound -Target $pattern
    }

    It 'reports an unregistered root, a non-FileSystem path and a missing drive, one error each, and lists the other roots' {
        $events = @(Get-UnmatchedAuditEvent -Path '/no/such/root', 'Env:/HOME', 'NoSuchDtDrive:/x', $script:Other -ErrorVariable problems -ErrorAction SilentlyContinue)
        $events.EntryPath | Should -Be 'b2.txt', 'b1.txt'
        $problems.Count | Should -Be 3
        Assert-ErrorRecord $problems[0] -Id InventoryRootNotFound -Category ObjectNotFound -Target '/no/such/root'
        Assert-ErrorRecord $problems[1] -Id NotFileSystemPath -Category InvalidArgument -Target 'Env:/HOME'
        $problems[1].Exception.Message | Should -Be "'Env:/HOME' is an Environment path; DiskTools works on file-system paths only."
        Assert-ErrorRecord $problems[2] -Id PathNotFound -Category ObjectNotFound -Target 'NoSuchDtDrive:/x'
    }

    It 'stops at the first bad root with -ErrorAction Stop' {
        $seen = [System.Collections.Generic.List[object]]::new()
        $thrown = $null
        try { Get-UnmatchedAuditEvent -Path 'Env:/HOME', $script:Other -ErrorAction Stop | ForEach-Object { $seen.Add($_) } } catch { $thrown = $_ }
        Assert-ErrorRecord $thrown -Id NotFileSystemPath -Category InvalidArgument -Target 'Env:/HOME'
        $seen.Count | Should -Be 0
    }

    It 'works with the object cmdlets, views and CliXml' {
        Assert-PipelineFriendly -Objects @(Get-UnmatchedAuditEvent -Path $script:Lucid) -TypeName 'DiskTools.Engine.LucidAudit.UnmatchedAuditEvent' -KeyProperty EntryPath -NumericProperty LineNumber
        Get-RenderedText @(Get-UnmatchedAuditEvent -Path $script:Lucid) | Should -Match 'old\.txt -> moved\.txt'
    }

    It 'completes its parameter names and root paths' {
        Get-CompletionText 'Get-UnmatchedAuditEvent -La' | Should -Be '-Last'
        $names = Get-CompletionText 'Get-UnmatchedAuditEvent -'
        foreach ($name in '-Path', '-Last', '-ConnectionString', '-Credential') { $names | Should -Contain $name }
        $names | Should -Not -Contain '-State'
        Get-CompletionText "Get-UnmatchedAuditEvent $(Join-Path $script:Scratch 'lucid-')" | Should -Be $script:Lucid, $script:Other
    }
}
