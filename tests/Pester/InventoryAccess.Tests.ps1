# Import-FileInventory and Watch-LucidAudit as users run them in pwsh, against a real PostgreSQL database
# (the shared fixture, a fresh database for this file) and a filespace with a LucidLink audit trail in the
# documented layout (.lucid_audit/<node>/<yyyy>/<mm>/<begin>.log[.active]).
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/Inventory.Helpers.ps1
    Import-TestModule
    $script:Connection = New-InventoryTestDatabase
    $script:SavedConnection = $env:DISKTOOLS_CONNECTION
    $env:DISKTOOLS_CONNECTION = $script:Connection
    $script:Scratch = [System.IO.Directory]::CreateTempSubdirectory('dt-access-').FullName

    function New-Filespace([string] $Name) {
        $root = Join-Path $script:Scratch $Name
        $null = New-Item -ItemType Directory -Path $root
        $root
    }

    function New-Baseline([string] $Path, [string[]] $Rows) {
        Set-Content -LiteralPath $Path -Value (@('path,size,modified,accessed') + $Rows)
        $Path
    }

    $script:When = [datetime]::new(2025, 11, 29, 14, 31, 0, [System.DateTimeKind]::Utc)
}

AfterAll {
    $env:DISKTOOLS_CONNECTION = $script:SavedConnection
    Remove-InventoryTestDatabase $script:Connection
    if ($script:Scratch) { Remove-Item -LiteralPath $script:Scratch -Recurse -Force }
}

Describe 'Import-FileInventory' {
    It 'reports each bad row with its line as its own error and imports the rest' {
        $root = New-Filespace 'import-bad'
        $csv = New-Baseline (Join-Path $script:Scratch 'baseline-bad.csv') @(
            'a.txt,10,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z'
            'b.txt,minus-one,2025-01-01T00:00:00Z,'
            "`"multi`nline.txt`",5,1735689600,1735689600"
            '/elsewhere/c.txt,5,2025-01-01,2025-01-01'
            'd.txt,5,not-a-date,')
        $result = Import-FileInventory -Path $csv -Root $root -ErrorVariable problems -ErrorAction SilentlyContinue
        $result.PSObject.TypeNames[0] | Should -Be 'DiskTools.Engine.InventoryImport.InventoryImportResult'
        $result.RowsRead, $result.Inserted, $result.Skipped | Should -Be 5, 2, 3
        $problems.Count | Should -Be 3
        foreach ($problem in $problems) { Assert-ErrorRecord $problem -Id InventoryImportRowInvalid -Category InvalidData -Target $csv }
        $problems | ForEach-Object { ($_.Exception.Message -split ' ')[1..2] -join ' ' } | Should -Be 'line 3:', 'line 6:', 'line 7:'
    }

    It 'stops at the first bad row with -ErrorAction Stop and imports nothing (one transaction)' {
        $root = New-Filespace 'import-stop'
        $csv = New-Baseline (Join-Path $script:Scratch 'baseline-stop.csv') @('a.txt,10,2025-01-01,2025-01-01', 'b.txt,oops,2025-01-01,')
        { Import-FileInventory -Path $csv -Root $root -ErrorAction Stop } | Should -Throw -ErrorId 'InventoryImportRowInvalid,*'
        Invoke-InventorySql $script:Connection "SELECT count(*) FROM file_records r JOIN repositories p ON p.id = r.repository_id WHERE p.root_path = '$root'" | Should -Be 0
    }

    It 'imports a Parquet baseline' {
        Import-TestFixtures
        $root = New-Filespace 'import-parquet'
        $file = Join-Path $script:Scratch 'scan.parquet'
        $t = [datetime]::new(2025, 1, 1, 0, 0, 0, [System.DateTimeKind]::Utc)
        [DiskTools.TestFixtures.ParquetBaseline]::Write($file, [string[]] @('x.bin', 'y.bin'), [System.Nullable[long][]] @(1, 2), [System.Nullable[datetime][]] @($t, $t), [System.Nullable[datetime][]] @($t, $null))
        $result = Import-FileInventory $file -Root $root
        $result.Format | Should -Be 'Parquet'
        $result.Inserted | Should -Be 2
    }

    It 'changes nothing with -WhatIf' {
        $root = New-Filespace 'import-whatif'
        $csv = New-Baseline (Join-Path $script:Scratch 'whatif.csv') @('x.txt,1,2025-01-01,')
        Import-FileInventory -Path $csv -Root $root -WhatIf | Should -BeNullOrEmpty
        Invoke-InventorySql $script:Connection "SELECT count(*) FROM repositories WHERE root_path = '$root'" | Should -Be 0
    }

    It 'takes -Path wildcards, -LiteralPath with odd names, relative paths, PSDrives and Get-ChildItem input' {
        $root = New-Filespace 'import-paths'
        $dir = Join-Path $script:Scratch 'baselines'
        $null = New-Item -ItemType Directory -Path $dir
        $plain = New-Baseline (Join-Path $dir 'one.csv') @('one.txt,1,2025-01-01,')
        $odd = New-Baseline (Join-Path $dir "two [x] 'q' `$y.csv") @('two.txt,2,2025-01-01,')

        @(Import-FileInventory -Path (Join-Path $dir 'o*.csv') -Root $root).Source | Should -Be $plain
        @(Import-FileInventory -LiteralPath $odd -Root $root).Source | Should -Be $odd
        Push-Location -LiteralPath $dir
        try { @(Import-FileInventory ./one.csv -Root $root).Source | Should -Be $plain } finally { Pop-Location }
        $null = New-PSDrive -Name DtBase -PSProvider FileSystem -Root $dir
        try { @(Import-FileInventory DtBase:/one.csv -Root $root).Source | Should -Be $plain } finally { Remove-PSDrive DtBase }
        @(Get-ChildItem -LiteralPath $dir -Filter *.csv | Import-FileInventory -Root $root).Source | Sort-Object | Should -Be @($plain, $odd | Sort-Object)
    }

    It 'reports a missing file and a non-FileSystem path precisely' {
        $root = New-Filespace 'import-missing'
        $missing = Join-Path $script:Scratch 'missing.csv'
        Import-FileInventory -LiteralPath $missing -Root $root -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $problems.Count | Should -BeGreaterThan 0
        $problems[0].CategoryInfo.Category | Should -Be ObjectNotFound
        $problems[0].TargetObject | Should -Be $missing
        Import-FileInventory -Path Env:/HOME -Root $root -ErrorVariable other -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $other[0] -Id NotFileSystemPath -Category InvalidArgument -Target 'Env:/HOME'
    }

    It 'works with the object cmdlets, views and CliXml' {
        $results = foreach ($n in 1..3) {
            $root = New-Filespace "import-pipe$n"
            Import-FileInventory -Path (New-Baseline (Join-Path $script:Scratch "pipe$n.csv") @(1..$n | ForEach-Object { "f$_.txt,$_,2025-01-01," })) -Root $root
        }
        Assert-PipelineFriendly -Objects @($results) -TypeName 'DiskTools.Engine.InventoryImport.InventoryImportResult' -KeyProperty Root -NumericProperty Inserted
    }

    It 'completes -Format with its values and parameter names' {
        $formats = Get-CompletionText 'Import-FileInventory x.csv -Root / -Format '
        $formats | Should -Contain 'Csv'
        $formats | Should -Contain 'Parquet'
        Get-CompletionText 'Import-FileInventory -MaxE' | Should -Be '-MaxErrorCount'
    }
}

Describe 'Watch-LucidAudit' {
    BeforeAll {
        $script:Lucid = New-Filespace 'lucid'
        $null = Import-FileInventory -Path (New-Baseline (Join-Path $script:Scratch 'lucid.csv') @('cold.mov,10,2025-01-01,2025-01-01', 'hot.txt,10,2025-01-01,2025-01-01')) -Root $script:Lucid
        $null = Invoke-InventorySql $script:Connection "UPDATE file_records SET tier_state = 'stubbed' WHERE file_path = 'cold.mov'"
        $script:Log = Add-AuditLog $script:Lucid @((Get-AuditLine FileRead '/cold.mov' $script:When 'bob'), 'not json', (Get-AuditLine FileRead '/hot.txt' $script:When))
        $script:Pass = @(Watch-LucidAudit -Path $script:Lucid -Once -ErrorVariable passErrors -ErrorAction SilentlyContinue)
        $script:PassErrors = @($passErrors)
    }

    It 'writes one typed result per pass with the counts' {
        $result = @($script:Pass | Where-Object { $_.PSObject.TypeNames[0] -eq 'DiskTools.Engine.LucidAudit.AuditIngestResult' })
        $result.Count | Should -Be 1
        $result[0].EventsRead, $result[0].Applied, $result[0].Malformed | Should -Be 3, 2, 1
        $result[0].Lag | Should -Not -BeNullOrEmpty
    }

    It 'writes a warming event for a stubbed file used again' {
        $warming = @($script:Pass | Where-Object { $_.PSObject.TypeNames[0] -eq 'DiskTools.Engine.LucidAudit.WarmingEvent' })
        $warming.Count | Should -Be 1
        $warming[0].Path | Should -Be 'cold.mov'
        $warming[0].TierState | Should -Be 'stubbed'
        $warming[0].Users | Should -Be 'bob'
        # As a user's session runs it (no strict mode, which the test helpers turn on).
        & { Set-StrictMode -Off; @($script:Pass | Where-Object TierState).Count } | Should -Be 1 -Because 'README and help pick warming events with Where-Object TierState'
    }

    It 'reports a malformed line as an error naming the log and the line' {
        $script:PassErrors.Count | Should -Be 1
        Assert-ErrorRecord $script:PassErrors[0] -Id LucidAuditLineMalformed -Category InvalidData -Target $script:Log
        $script:PassErrors[0].Exception.Message | Should -Match 'line 2:'
    }

    It 'applies nothing twice on the next pass' {
        $again = @(Watch-LucidAudit -Path $script:Lucid -Once | Where-Object { $_.PSObject.TypeNames[0] -eq 'DiskTools.Engine.LucidAudit.AuditIngestResult' })
        $again[0].EventsRead | Should -Be 0
        $again[0].Applied | Should -Be 0
    }

    It 'works with the object cmdlets, views and CliXml' {
        $results = @($script:Pass | Where-Object { $_.PSObject.TypeNames[0] -eq 'DiskTools.Engine.LucidAudit.AuditIngestResult' })
        Assert-PipelineFriendly -Objects $results -TypeName 'DiskTools.Engine.LucidAudit.AuditIngestResult' -KeyProperty Root -NumericProperty EventsRead
        $warming = @($script:Pass | Where-Object { $_.PSObject.TypeNames[0] -eq 'DiskTools.Engine.LucidAudit.WarmingEvent' })
        Assert-PipelineFriendly -Objects $warming -TypeName 'DiskTools.Engine.LucidAudit.WarmingEvent' -KeyProperty Path -NumericProperty Accesses
    }

    It 'names an unregistered root in a terminating error' {
        $other = New-Filespace 'lucid-unregistered'
        $thrown = $null
        try { Watch-LucidAudit -Path $other -Once -ErrorAction Stop } catch { $thrown = $_ }
        Assert-ErrorRecord $thrown -Id InventoryRootNotFound -Category ObjectNotFound -Target $other
    }

    It 'reports a file given as root, a missing path and a non-FileSystem path, one error each' {
        $file = Join-Path $script:Scratch 'lucid.csv'
        $missing = Join-Path $script:Scratch 'no-such-filespace*'
        Watch-LucidAudit -LiteralPath $file -Once -ErrorVariable a -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $a[0] -Id LucidAuditRootNotDirectory -Category InvalidArgument -Target $file
        Watch-LucidAudit -Path $missing -Once -ErrorVariable b -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $b[0] -Id PathNotFound -Category ObjectNotFound -Target $missing
        Watch-LucidAudit -Path Env:/HOME -Once -ErrorVariable c -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $c[0] -Id NotFileSystemPath -Category InvalidArgument -Target 'Env:/HOME'
    }

    It 'resolves -Path wildcards, relative paths, ~, PSDrives and Get-ChildItem input to the registered root' {
        $parent = [System.IO.Path]::GetDirectoryName($script:Lucid)
        $name = [System.IO.Path]::GetFileName($script:Lucid)
        $roots = @(
            Watch-LucidAudit -Path (Join-Path $parent 'luci?') -Once
            Push-Location -LiteralPath $parent; try { Watch-LucidAudit "./$name" -Once } finally { Pop-Location }
            $null = New-PSDrive -Name DtLucid -PSProvider FileSystem -Root $parent; try { Watch-LucidAudit "DtLucid:/$name" -Once } finally { Remove-PSDrive DtLucid }
            $provider = Get-PSProvider FileSystem; $savedHome = $provider.Home
            try { $provider.Home = $parent; Watch-LucidAudit "~/$name" -Once } finally { $provider.Home = $savedHome }
            Get-Item -LiteralPath $script:Lucid | Watch-LucidAudit -Once
        ) | ForEach-Object Root
        $roots | Should -Be (@($script:Lucid) * 5)
    }

    It 'changes nothing with -WhatIf' {
        Add-AuditLog $script:Lucid @(Get-AuditLine FileRead '/hot.txt' $script:When.AddMinutes(5)) | Out-Null
        Watch-LucidAudit -Path $script:Lucid -Once -WhatIf | Should -BeNullOrEmpty
        $next = @(Watch-LucidAudit -Path $script:Lucid -Once | Where-Object { $_.PSObject.TypeNames[0] -eq 'DiskTools.Engine.LucidAudit.AuditIngestResult' })
        $next[0].EventsRead | Should -Be 1 -Because 'the -WhatIf pass read nothing'
    }

    It 'refuses a non-positive -PollInterval' {
        { Watch-LucidAudit -Path $script:Lucid -PollInterval 0 } | Should -Throw -ErrorId 'InvalidInterval,*'
    }

    It 'completes its parameter names' {
        Get-CompletionText 'Watch-LucidAudit -Pol' | Should -Be '-PollInterval'
        Get-CompletionText 'Watch-LucidAudit -Ten' | Should -Be '-Tenant'
    }

    It 'ends a watch promptly on Ctrl+C, between passes' {
        $root = New-Filespace 'lucid-stop'
        $null = Import-FileInventory -Path (New-Baseline (Join-Path $script:Scratch 'stop.csv') @('a.txt,10,2025-01-01,2025-01-01')) -Root $root
        Add-AuditLog $root @(Get-AuditLine FileRead '/a.txt' $script:When) | Out-Null
        $started = Start-TestPwsh -Command "Watch-LucidAudit -LiteralPath '$root' -PollInterval 01:00:00" -Environment @{ DISKTOOLS_CONNECTION = $script:Connection }
        $null = Wait-Until -TimeoutSeconds 120 -Because 'the first pass applied its event' {
            $started.Process.HasExited -or (Invoke-InventorySql $script:Connection "SELECT count(*) FROM file_records r JOIN repositories p ON p.id = r.repository_id WHERE p.root_path = '$root' AND r.last_accessed >= '2025-11-29'") -gt 0
        }
        $started.Process.HasExited | Should -BeFalse -Because 'it polls until stopped'
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        Send-TestSignal -ProcessId $started.Process.Id -Signal INT
        $result = Wait-TestProcess $started -TimeoutSeconds 30
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
        $result.StandardError | Should -BeNullOrEmpty
    }
}
