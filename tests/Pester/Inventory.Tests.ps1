# Invoke-Reconciliation, Get-FileRecord, Get-ReconciliationOperation and Get-ReconciliationStatus as users run them in
# pwsh, against a real PostgreSQL database (the shared fixture, a fresh database for this file).
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/Inventory.Helpers.ps1
    Import-TestModule
    $script:Connection = New-InventoryTestDatabase
    $script:SavedConnection = $env:DISKTOOLS_CONNECTION
    $env:DISKTOOLS_CONNECTION = $script:Connection
    # One tree reconciled up front for the query cmdlets; each Describe makes what else it needs.
    $script:Photos = New-InventoryTestTree @{ 'photos/a.jpg' = 'jpeg'; 'photos/2024/b.jpg' = 'bigger jpeg'; 'notes.txt' = 'text'; 'docs/readme.md' = 'read me first' }
    $script:FirstPass = @(Invoke-Reconciliation -Path $script:Photos)
}

AfterAll {
    $env:DISKTOOLS_CONNECTION = $script:SavedConnection
    Remove-InventoryTestDatabase $script:Connection
    if ($script:Photos) { Remove-Item -LiteralPath $script:Photos -Recurse -Force }
}

Describe 'Invoke-Reconciliation' {
    BeforeAll {
        $script:Parent = [System.IO.Directory]::CreateTempSubdirectory('dt-recon-').FullName
        foreach ($name in 'tree1', 'tree2', "odd [1] 'q' `$x ;name") {
            $null = New-Item -ItemType Directory -Path (Join-Path $script:Parent "$name/sub")
            [System.IO.File]::WriteAllText((Join-Path $script:Parent "$name/sub/f.txt"), $name)
        }
        $script:Odd = Join-Path $script:Parent "odd [1] 'q' `$x ;name"
    }

    AfterAll {
        Remove-Item -LiteralPath $script:Parent -Recurse -Force
    }

    It 'reconciles a tree into one ReconciliationOperation that counts what it found' {
        $script:FirstPass.Count | Should -Be 1
        $operation = $script:FirstPass[0]
        $operation.PSObject.TypeNames[0] | Should -Be 'DiskTools.Engine.Reconciliation.ReconciliationOperation'
        $operation.FilesAdded | Should -Be 4
        $operation.Status | Should -Be 'completed'
        $operation.OperationType | Should -Be 'manual'
        $operation.RootPath | Should -Be $script:Photos
    }

    It 'records the SHA-256 of every new file, as Get-FileHash computes it' {
        $record = Get-FileRecord -Path $script:Photos -Filter 'photos/a.jpg'
        $record.ContentHash | Should -Be (Get-FileHash -LiteralPath (Join-Path $script:Photos 'photos/a.jpg') -Algorithm SHA256).Hash.ToLowerInvariant()
    }

    It 'notices a change on the next pass and leaves the rest alone' {
        [System.IO.File]::AppendAllText((Join-Path $script:Photos 'notes.txt'), ' more')
        $pass = Invoke-Reconciliation $script:Photos -NoHash
        $pass.FilesUpdated | Should -Be 1
        $pass.FilesAdded | Should -Be 0
        $pass.FilesRemoved | Should -Be 0
    }

    It 'expands -Path wildcards to every matching directory' {
        $operations = @(Invoke-Reconciliation -Path (Join-Path $script:Parent 'tree*') -NoHash)
        $operations.RootPath | Sort-Object | Should -Be @((Join-Path $script:Parent 'tree1'), (Join-Path $script:Parent 'tree2'))
    }

    It 'takes -LiteralPath with brackets, quotes, $ and ; as they are' {
        $operation = Invoke-Reconciliation -LiteralPath $script:Odd -NoHash
        $operation.RootPath | Should -Be $script:Odd
        $operation.FilesAdded | Should -Be 1
        (Get-FileRecord -Path $script:Odd).FilePath | Should -Be 'sub/f.txt'
    }

    It 'reports a -Path pattern that matches nothing as PathNotFound, with the pattern as target' {
        $pattern = Join-Path $script:Parent 'nothing-here*'
        $output = Invoke-Reconciliation -Path $pattern -NoHash -ErrorVariable problems -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        $problems.Count | Should -Be 1
        Assert-ErrorRecord $problems[0] -Id PathNotFound -Category ObjectNotFound -Target $pattern
    }

    It 'resolves a relative path against the current location' {
        Push-Location -LiteralPath $script:Parent
        try { $operation = Invoke-Reconciliation ./tree1 -NoHash } finally { Pop-Location }
        $operation.RootPath | Should -Be (Join-Path $script:Parent 'tree1')
    }

    It 'resolves ~ to the home of the FileSystem provider' {
        $provider = Get-PSProvider FileSystem
        $savedHome = $provider.Home
        try {
            $provider.Home = $script:Parent
            $operation = Invoke-Reconciliation '~/tree2' -NoHash
        } finally {
            $provider.Home = $savedHome
        }
        $operation.RootPath | Should -Be (Join-Path $script:Parent 'tree2')
    }

    It 'resolves a path on a PSDrive' {
        $null = New-PSDrive -Name DtRecon -PSProvider FileSystem -Root $script:Parent
        try { $operation = Invoke-Reconciliation DtRecon:/tree1 -NoHash } finally { Remove-PSDrive DtRecon }
        $operation.RootPath | Should -Be (Join-Path $script:Parent 'tree1')
    }

    It 'takes directories piped from Get-ChildItem' {
        $operations = @(Get-ChildItem -LiteralPath $script:Parent -Directory | Invoke-Reconciliation -NoHash)
        $operations.RootPath | Sort-Object | Should -Be @(Get-ChildItem -LiteralPath $script:Parent -Directory | ForEach-Object FullName | Sort-Object)
    }

    It 'refuses a path of another provider as NotFileSystemPath' {
        $output = Invoke-Reconciliation -Path Env:/PATH -ErrorVariable problems -ErrorAction SilentlyContinue
        $output | Should -BeNullOrEmpty
        Assert-ErrorRecord $problems[0] -Id NotFileSystemPath -Category InvalidArgument -Target 'Env:/PATH'
    }

    It 'reports a file given as root and still reconciles the other roots' {
        $file = Join-Path $script:Parent 'tree1/sub/f.txt'
        $operations = @(Invoke-Reconciliation -LiteralPath $file, (Join-Path $script:Parent 'tree2') -NoHash -ErrorVariable problems -ErrorAction SilentlyContinue)
        $operations.Count | Should -Be 1
        $problems.Count | Should -Be 1
        Assert-ErrorRecord $problems[0] -Id ReconciliationRootNotDirectory -Category InvalidArgument -Target $file
    }

    It 'stops at the first bad path with -ErrorAction Stop, before any pass' {
        $fresh = New-InventoryTestTree @{ 'x.txt' = 'x' }
        try {
            $thrown = $null
            try { Invoke-Reconciliation -Path (Join-Path $script:Parent 'missing*'), $fresh -ErrorAction Stop } catch { $thrown = $_ }
            Assert-ErrorRecord $thrown -Id PathNotFound -Category ObjectNotFound
            Get-ReconciliationStatus -Path $fresh -ErrorAction SilentlyContinue -ErrorVariable unknown | Should -BeNullOrEmpty
            Assert-ErrorRecord $unknown[0] -Id InventoryRootNotFound -Category ObjectNotFound -Target $fresh
        } finally {
            Remove-Item -LiteralPath $fresh -Recurse -Force
        }
    }

    It 'changes nothing with -WhatIf' {
        $fresh = New-InventoryTestTree @{ 'x.txt' = 'x' }
        try {
            Invoke-Reconciliation -Path $fresh -WhatIf | Should -BeNullOrEmpty
            Invoke-InventorySql $script:Connection "SELECT count(*) FROM repositories WHERE root_path = '$fresh'" | Should -Be 0
        } finally {
            Remove-Item -LiteralPath $fresh -Recurse -Force
        }
    }

    It 'says which connection is missing when there is none' {
        $saved = $env:DISKTOOLS_CONNECTION
        try {
            $env:DISKTOOLS_CONNECTION = $null
            $thrown = $null
            try { Invoke-Reconciliation -Path $script:Photos -ErrorAction Stop } catch { $thrown = $_ }
        } finally {
            $env:DISKTOOLS_CONNECTION = $saved
        }
        Assert-ErrorRecord $thrown -Id InventoryConnectionMissing -Category InvalidArgument
        $thrown.Exception.Message | Should -Match 'DISKTOOLS_CONNECTION'
    }

    It 'refuses a bad -Exclude glob before any pass' {
        $thrown = $null
        try { Invoke-Reconciliation -Path $script:Photos -Exclude 'a[' -ErrorAction Stop } catch { $thrown = $_ }
        $thrown | Should -Not -BeNullOrEmpty
        $thrown.CategoryInfo.Category | Should -Be InvalidArgument
    }

    It 'completes its parameter names, paths and nothing else' {
        Get-CompletionText 'Invoke-Reconciliation -NoH' | Should -Be '-NoHash'
        Get-CompletionText 'Invoke-Reconciliation -Re' | Should -Contain '-ReconcileInterval'
        $paths = Get-CompletionText "Invoke-Reconciliation -Path $(Join-Path $script:Parent 'tre')"
        $paths | Should -Contain (Join-Path $script:Parent 'tree1')
        $paths | Should -Contain (Join-Path $script:Parent 'tree2')
    }

    It 'ends a -Watch promptly on Ctrl+C, after its startup pass' {
        $tree = New-InventoryTestTree @{ 'w.txt' = 'w' }
        try {
            $started = Start-TestPwsh -Command "Invoke-Reconciliation -LiteralPath '$tree' -Watch -NoHash" -Environment @{ DISKTOOLS_CONNECTION = $script:Connection }
            $null = Wait-Until -TimeoutSeconds 120 -Because 'the startup pass completed' {
                $started.Process.HasExited -or (Invoke-InventorySql $script:Connection "SELECT count(*) FROM sync_operations o JOIN repositories r ON r.id = o.repository_id WHERE r.root_path = '$tree' AND o.status = 'completed'") -gt 0
            }
            $started.Process.HasExited | Should -BeFalse -Because 'a watch runs until stopped'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            Send-TestSignal -ProcessId $started.Process.Id -Signal INT
            $result = Wait-TestProcess $started -TimeoutSeconds 30
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
            $result.StandardError | Should -BeNullOrEmpty
        } finally {
            Remove-Item -LiteralPath $tree -Recurse -Force
        }
    }
}

Describe 'Get-FileRecord' {
    It 'lists the records of a root, filtered by a glob' {
        $records = @(Get-FileRecord -Path $script:Photos -Filter 'photos/**')
        $records.FilePath | Sort-Object | Should -Be 'photos/2024/b.jpg', 'photos/a.jpg'
    }

    It 'finds every copy by hash, in any case' {
        $hash = (Get-FileHash -LiteralPath (Join-Path $script:Photos 'photos/a.jpg')).Hash
        (Get-FileRecord -Hash $hash.ToUpperInvariant()).FilePath | Should -Be 'photos/a.jpg'
        (Get-FileRecord -Hash $hash.ToLowerInvariant()).FilePath | Should -Be 'photos/a.jpg'
    }

    It 'works with the object cmdlets, views and CliXml' {
        $records = @(Get-FileRecord -Path $script:Photos)
        Assert-PipelineFriendly -Objects $records -TypeName 'DiskTools.Engine.Reconciliation.FileRecord' -KeyProperty FilePath -NumericProperty FileSize
        ($records | Measure-Object FileSize -Sum).Sum | Should -Be ((Get-ChildItem -LiteralPath $script:Photos -Recurse -File | Measure-Object Length -Sum).Sum)
    }

    It 'resolves relative, ~ and PSDrive roots' {
        Push-Location -LiteralPath ([System.IO.Path]::GetDirectoryName($script:Photos))
        try { @(Get-FileRecord ./$([System.IO.Path]::GetFileName($script:Photos))).Count | Should -Be 4 } finally { Pop-Location }
        $null = New-PSDrive -Name DtRecords -PSProvider FileSystem -Root $script:Photos
        try { @(Get-FileRecord DtRecords:/).Count | Should -Be 4 } finally { Remove-PSDrive DtRecords }
    }

    It 'takes roots by property name from Get-ReconciliationStatus' {
        @(Get-ReconciliationStatus -Path $script:Photos | Get-FileRecord).Count | Should -Be 4
    }

    It 'names an unknown root as InventoryRootNotFound' {
        $unknown = Join-Path $script:Photos 'photos'
        Get-FileRecord -Path $unknown -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $problems[0] -Id InventoryRootNotFound -Category ObjectNotFound -Target $unknown
        { Get-FileRecord -Path $unknown -ErrorAction Stop } | Should -Throw -ErrorId 'InventoryRootNotFound,*'
    }

    It 'refuses a path of another provider as NotFileSystemPath and still lists the other roots' {
        $records = @(Get-FileRecord -Path Env:/HOME, $script:Photos -ErrorVariable problems -ErrorAction SilentlyContinue)
        $records.Count | Should -Be 4
        $problems.Count | Should -Be 1
        Assert-ErrorRecord $problems[0] -Id NotFileSystemPath -Category InvalidArgument -Target 'Env:/HOME'
        { Get-FileRecord -Path Env:/HOME -ErrorAction Stop } | Should -Throw -ErrorId 'NotFileSystemPath,*'
    }

    It 'completes its parameter names' {
        Get-CompletionText 'Get-FileRecord -Ha' | Should -Be '-Hash'
        Get-CompletionText 'Get-FileRecord -Fi' | Should -Be '-Filter'
    }
}

Describe 'Get-ReconciliationOperation' {
    It 'returns the newest operations first, -Last of them' {
        $operations = @(Get-ReconciliationOperation -Path $script:Photos -Last 1)
        $operations.Count | Should -Be 1
        $all = @(Get-ReconciliationOperation -Path $script:Photos)
        $all.Count | Should -BeGreaterOrEqual 2
        $operations[0].Id | Should -Be $all[0].Id
        $all.StartTime | Should -Be ($all.StartTime | Sort-Object -Descending)
    }

    It 'works with the object cmdlets, views and CliXml' {
        Assert-PipelineFriendly -Objects @(Get-ReconciliationOperation -Path $script:Photos) -TypeName 'DiskTools.Engine.Reconciliation.ReconciliationOperation' -KeyProperty Id -NumericProperty FilesAdded
    }

    It 'refuses a path of another provider as NotFileSystemPath and still lists the other roots' {
        $operations = @(Get-ReconciliationOperation -Path Env:/HOME, $script:Photos -ErrorVariable problems -ErrorAction SilentlyContinue)
        $operations.RootPath | Select-Object -Unique | Should -Be $script:Photos
        $problems.Count | Should -Be 1
        Assert-ErrorRecord $problems[0] -Id NotFileSystemPath -Category InvalidArgument -Target 'Env:/HOME'
    }

    It 'refuses -Last 0 at binding' {
        { Get-ReconciliationOperation -Last 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }

    It 'completes its parameter names and root paths' {
        Get-CompletionText 'Get-ReconciliationOperation -La' | Should -Be '-Last'
        Get-CompletionText 'Get-ReconciliationOperation -Co' | Should -Be '-ConnectionString'
        Get-CompletionText 'Get-ReconciliationOperation -Cr' | Should -Be '-Credential'
        $names = Get-CompletionText 'Get-ReconciliationOperation -'
        foreach ($name in '-Path', '-Last', '-ConnectionString', '-Credential') { $names | Should -Contain $name }
        $names | Should -Not -Contain '-Filter'
        $prefix = $script:Photos.Substring(0, $script:Photos.Length - 2)
        Get-CompletionText "Get-ReconciliationOperation $prefix" | Should -Contain $script:Photos
        Get-CompletionText "Get-ReconciliationOperation -Last 5 -Path $prefix" | Should -Contain $script:Photos
    }

    It 'names an unknown root as InventoryRootNotFound' {
        $unknown = '/no/such/root'
        Get-ReconciliationOperation -Path $unknown -ErrorVariable problems -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $problems[0] -Id InventoryRootNotFound -Category ObjectNotFound -Target $unknown
    }
}

Describe 'Get-ReconciliationStatus' {
    It 'shows one line per registered root with its file count' {
        $status = Get-ReconciliationStatus -Path $script:Photos
        $status.PSObject.TypeNames[0] | Should -Be 'DiskTools.Engine.Reconciliation.ReconciliationStatus'
        $status.TotalFiles | Should -Be 4
        $status.IsWatching | Should -BeFalse
        @(Get-ReconciliationStatus).RootPath | Should -Contain $script:Photos
    }

    It 'works with the object cmdlets, views and CliXml' {
        Assert-PipelineFriendly -Objects @(Get-ReconciliationStatus) -TypeName 'DiskTools.Engine.Reconciliation.ReconciliationStatus' -KeyProperty RootPath -NumericProperty TotalFiles
    }

    It 'refuses a path of another provider as NotFileSystemPath and still shows the other roots' {
        $status = @(Get-ReconciliationStatus -Path Env:/HOME, $script:Photos -ErrorVariable problems -ErrorAction SilentlyContinue)
        $status.RootPath | Should -Be $script:Photos
        $problems.Count | Should -Be 1
        Assert-ErrorRecord $problems[0] -Id NotFileSystemPath -Category InvalidArgument -Target 'Env:/HOME'
    }

    It 'completes its parameter names and root paths' {
        Get-CompletionText 'Get-ReconciliationStatus -Pa' | Should -Be '-Path'
        Get-CompletionText 'Get-ReconciliationStatus -Co' | Should -Be '-ConnectionString'
        $names = Get-CompletionText 'Get-ReconciliationStatus -'
        foreach ($name in '-Path', '-ConnectionString', '-Credential') { $names | Should -Contain $name }
        $names | Should -Not -Contain '-Last'
        $prefix = $script:Photos.Substring(0, $script:Photos.Length - 2)
        Get-CompletionText "Get-ReconciliationStatus $prefix" | Should -Contain $script:Photos
        Get-CompletionText "Get-ReconciliationStatus -Path $prefix" | Should -Contain $script:Photos
    }

    It 'renders its whole text in a table of 120 columns' {
        $text = Get-ReconciliationStatus -Path $script:Photos | Format-Table | Out-String -Width 120
        $text | Should -Not -Match '#ERR'
        $text | Should -Match 'completed'
    }
}
