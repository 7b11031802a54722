# Get-DiskUsage as a user runs it in pwsh: binding, paths of every kind, output through the standard
# cmdlets, errors, progress and Ctrl+C. Sizes are checked against GNU du on the same tree.
BeforeDiscovery {
    $script:NonFileSystemPaths = @(
        @{ Path = 'Env:\'; Provider = 'an Environment' }
        @{ Path = 'Env:\PATH'; Provider = 'an Environment' }
        @{ Path = 'Function:\'; Provider = 'a Function' }
        @{ Path = 'Variable:\HOME'; Provider = 'a Variable' }
        @{ Path = 'Alias:\'; Provider = 'an Alias' }
    )
    # Names that mean something to PowerShell or a shell; -LiteralPath must take each as it is.
    $script:OddNames = @('gam[ma]', 'st*ar', 'q?mark', '$(x)', 'semi;colon', 'da-sh', 'with space', "comma,'quote'") | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/CmdletHelpers.ps1
    Import-TestModule

    $script:EntryType = 'DiskTools.Engine.DiskUsage.DiskUsageEntry'
    $script:SessionType = 'DiskTools.Engine.DiskUsage.ScanSession'
    $script:Command = 'DiskTools.Commands.DiskUsage.GetDiskUsageCommand'
    $script:Root = Join-Path $TestDrive 'tree'

    function New-TestFile([string] $Path, [int] $Bytes) {
        $null = [System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($Path))
        [System.IO.File]::WriteAllBytes($Path, [byte[]]::new($Bytes))
    }
    New-TestFile "$Root/alpha/one/big.bin" 300000
    New-TestFile "$Root/alpha/two/small.bin" 5000
    New-TestFile "$Root/beta/mid.bin" 70000
    $size = 9000
    foreach ($name in 'gam[ma]', 'st*ar', 'q?mark', '$(x)', 'semi;colon', 'da-sh', 'with space', "comma,'quote'") {
        New-TestFile ([System.IO.Path]::Combine($Root, $name, 'f.bin')) ($size += 4096)
    }

    # du's answer: path -> bytes.
    function Get-Du([string[]] $Arguments) {
        $map = @{}
        foreach ($line in & du @Arguments) {
            $bytes, $path = $line -split "`t", 2
            $map[$path] = [long] $bytes
        }
        $map
    }
    $script:DuAllocated = Get-Du @('-B1', '-d', '1', $Root)
    $script:DuApparent = Get-Du @('-b', '-d', '1', $Root)
}

Describe 'Get-DiskUsage output' {
    BeforeAll {
        $script:Entries = @(Get-DiskUsage -Path $Root -ErrorVariable scanErrors)
        $script:ScanErrors = $scanErrors
    }

    It 'writes one entry per directory at depth 1 with du''s allocated and apparent bytes' {
        $ScanErrors | Should -BeNullOrEmpty
        $Entries.Count | Should -Be $DuAllocated.Count
        $Entries[0].Path | Should -Be $Root
        foreach ($entry in $Entries) {
            $entry.Size | Should -Be $DuAllocated[$entry.Path] -Because $entry.Path
            $entry.ApparentSize | Should -Be $DuApparent[$entry.Path] -Because $entry.Path
        }
        $alpha = $Entries | Where-Object Name -EQ 'alpha'
        $alpha.FileCount | Should -Be 2
        $alpha.DirectoryCount | Should -Be 2
        $alpha.Depth | Should -Be 1
        $alpha.Incomplete | Should -BeFalse
        $alpha.Share | Should -BeGreaterThan 0
        [math]::Abs($alpha.Share - $alpha.Size / $Entries[0].Size) | Should -BeLessThan 0.0001 -Because 'Share is the part of the parent'
        $Entries[0].Share | Should -Be 1.0
    }

    It 'lists siblings largest first' {
        $sizes = @($Entries | Select-Object -Skip 1 | ForEach-Object Size)
        $sizes | Should -Be @($sizes | Sort-Object -Descending)
    }

    It 'writes objects of the entry type (by type name)' {
        foreach ($entry in $Entries) { $entry.PSObject.TypeNames[0] | Should -BeExactly $EntryType }
        (Get-DiskUsage $Root -AsSession).PSObject.TypeNames[0] | Should -BeExactly $SessionType
    }

    # -BeOfType by type name: needs DiskTools' public types published to PowerShell's type resolution.
    It 'writes objects of the entry type (Should -BeOfType)' {
        $Entries | Should -BeOfType [DiskTools.Engine.DiskUsage.DiskUsageEntry]
        Get-DiskUsage $Root -AsSession | Should -BeOfType [DiskTools.Engine.DiskUsage.ScanSession]
        $Entries[0].Kind | Should -BeOfType [DiskTools.Engine.DiskUsage.DiskUsageEntryKind]
    }

    It 'works with Select-Object' {
        $picked = @($Entries | Select-Object -Property Path, Size -First 2)
        $picked.Count | Should -Be 2
        @($picked[0].PSObject.Properties.Name) | Should -Be @('Path', 'Size')
        $picked[1].Size | Should -Be $Entries[1].Size
        ($Entries | Select-Object -ExpandProperty Name) | Should -Contain 'gam[ma]'
    }

    It 'works with Sort-Object' {
        $byName = @($Entries | Sort-Object -Property Name)
        @($byName.Name) | Should -Be @($Entries.Name | Sort-Object)
        ($Entries | Sort-Object Size -Descending | Select-Object -First 1).Path | Should -Be $Root
    }

    It 'works with Group-Object' {
        $groups = @($Entries | Group-Object -Property Depth | Sort-Object { [int] $_.Name })
        @($groups.Name) | Should -Be @('0', '1')
        $groups[1].Count | Should -Be ($Entries.Count - 1)
        $kinds = @(Get-DiskUsage -LiteralPath "$Root/alpha" -Depth 2 -File | Group-Object Kind | Sort-Object Name)
        @($kinds.Name) | Should -Be @('Directory', 'File')
        ($kinds | Where-Object Name -EQ 'File').Count | Should -Be 2
    }

    It 'works with Measure-Object -Sum' {
        $children = $Entries | Select-Object -Skip 1
        $expected = ($children | ForEach-Object { $DuAllocated[$_.Path] } | Measure-Object -Sum).Sum
        $measured = $children | Measure-Object -Property Size, ApparentSize -Sum
        $measured[0].Sum | Should -Be $expected
        $measured[0].Count | Should -Be ($DuAllocated.Count - 1)
        $measured[1].Sum | Should -Be ($children | ForEach-Object { $DuApparent[$_.Path] } | Measure-Object -Sum).Sum
    }

    It 'round-trips through ConvertTo-Json' {
        $parsed = @($Entries | ConvertTo-Json -EnumsAsStrings | ConvertFrom-Json)
        $parsed.Count | Should -Be $Entries.Count
        $parsed[0].Path | Should -Be $Root
        $parsed[0].Size | Should -Be $Entries[0].Size
        $parsed[0].Kind | Should -Be 'Directory'
        $parsed[0].SessionId | Should -Be $Entries[0].SessionId.ToString()
        $session = Get-DiskUsage $Root -AsSession | ConvertTo-Json -Depth 3 -WarningAction Stop | ConvertFrom-Json
        $session.TotalBytes | Should -Be $DuAllocated[$Root]
        $session.Entries.Count | Should -Be $Entries.Count
    }

    It 'round-trips through Export-Csv and Import-Csv, odd names included' {
        $csv = Join-Path $TestDrive 'usage.csv'
        $Entries | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows.Count | Should -Be $Entries.Count
        for ($i = 0; $i -lt $rows.Count; $i++) {
            $rows[$i].Path | Should -BeExactly $Entries[$i].Path
            [long] $rows[$i].Size | Should -Be $Entries[$i].Size
            $rows[$i].Kind | Should -Be 'Directory'
        }
    }

    It 'renders its table view with human sizes, a share bar and every path' {
        $text = $Entries | Get-RenderedText
        Assert-Rendered $text -Expect @('Size', 'Share', 'Files', 'Dirs', 'Path', "$Root/gam[ma]", "$Root/with space")
        $text | Should -Match '\d+(\.\d)? KiB'
        $text | Should -Match '%'
    }

    It 'renders Format-List and a table of chosen properties' {
        Assert-Rendered ($Entries | Get-RenderedText -As List) -Expect @('Path', 'ApparentSize', "$Root/alpha")
        Assert-Rendered ($Entries | Get-RenderedText -Property Name, Size, Share) -Expect @('alpha', $Entries[1].Size.ToString())
    }

    It 'renders a session (-AsSession) as a table and a list' {
        $session = Get-DiskUsage $Root -AsSession
        Assert-Rendered ($session | Get-RenderedText) -Expect @('Completed', $Root)
        Assert-Rendered ($session | Get-RenderedText -As List) -Expect @('TotalBytes', 'Completed')
    }

    It 'renders entries and sessions the same after Export-Clixml and Import-Clixml' {
        $xml = Join-Path $TestDrive 'entries.xml'
        $Entries | Export-Clixml -LiteralPath $xml
        $back = @(Import-Clixml -LiteralPath $xml)
        $back[0].PSObject.TypeNames[0] | Should -BeExactly "Deserialized.$EntryType"
        $text = $back | Get-RenderedText
        Assert-Rendered $text -Expect @("$Root/gam[ma]", '%')
        $text | Should -BeExactly ($Entries | Get-RenderedText)
        $session = Get-DiskUsage $Root -AsSession
        $session | Export-Clixml -LiteralPath (Join-Path $TestDrive 'session.xml')
        $sessionText = Import-Clixml -LiteralPath (Join-Path $TestDrive 'session.xml') | Get-RenderedText
        Assert-Rendered $sessionText -Expect @('Completed', $Root)
        $sessionText | Should -BeExactly ($session | Get-RenderedText)
    }
}

Describe 'Get-DiskUsage parameters' {
    It '-Top N keeps the N largest entries, files included with -File' {
        $top = @(Get-DiskUsage $Root -Top 2 -File)
        $top.Count | Should -Be 2
        $top[0].Path | Should -Be $Root
        $top[1].Path | Should -Be "$Root/alpha"
    }

    It '-AsSession writes one session per root and -SessionVariable keeps them' {
        $sessions = @(Get-DiskUsage "$Root/alpha", "$Root/beta" -AsSession -SessionVariable kept)
        $sessions.Count | Should -Be 2
        $kept.Count | Should -Be 2
        $first = $sessions[0]
        "$($first.Status)" | Should -Be 'Completed'
        $first.TotalBytes | Should -Be (Get-Du @('-B1', '-s', "$Root/alpha"))["$Root/alpha"]
        $first.TotalFiles | Should -Be 2
        $first.TotalDirectories | Should -Be 3
        "$($first.Strategy)" | Should -Be 'Parallel'
    }

    It '-Exclude leaves out matching names' {
        $entries = @(Get-DiskUsage $Root -Exclude 'al*', '*[[]*')
        $entries.Name | Should -Not -Contain 'alpha'
        $entries.Name | Should -Not -Contain 'gam[ma]'
        $entries.Name | Should -Contain 'beta'
        $entries[0].Size | Should -BeLessThan $DuAllocated[$Root]
    }

    It '-Timeout aborts with a warning and still writes the entries, marked incomplete' {
        $entries = @(Get-DiskUsage / -Depth 1 -Timeout 00:00:00.05 -ThrottleLimit 1 -SessionVariable timed -WarningVariable warned -ErrorAction SilentlyContinue -WarningAction SilentlyContinue)
        "$($timed.Status)" | Should -Be 'Aborted'
        $entries[0].PSObject.TypeNames[0] | Should -Be $EntryType
        $entries[0].Incomplete | Should -BeTrue
        ($warned -join "`n") | Should -Match 'aborted'
    }

    It 'rejects an out-of-range -Depth at binding' {
        { Get-DiskUsage $Root -Depth -1 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,DiskTools.Commands.DiskUsage.GetDiskUsageCommand'
    }
}

Describe 'Get-DiskUsage paths' {
    It '-Path expands wildcards' {
        (Get-DiskUsage -Path "$Root/al*" -Depth 0).Path | Should -Be "$Root/alpha"
        (Get-DiskUsage -Path "$Root/?eta" -Depth 0).Path | Should -Be "$Root/beta"
        @((Get-DiskUsage -Path "$Root/*a" -Depth 0).Path | Sort-Object) | Should -Be @("$Root/alpha", "$Root/beta")
    }

    It '-Path takes brackets as a wildcard range; escaped with backticks they are literal' {
        Get-DiskUsage -Path "$Root/gam[ma]" -Depth 0 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $err[0] "PathNotFound,$Command" ObjectNotFound "$Root/gam[ma]"
        (Get-DiskUsage -Path "$Root/gam``[ma``]" -Depth 0).Path | Should -Be "$Root/gam[ma]"
    }

    It '-LiteralPath takes <Name> as it is' -ForEach $OddNames {
        $path = [System.IO.Path]::Combine($Root, $Name)
        $entry = Get-DiskUsage -LiteralPath $path -Depth 0 -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $entry.Path | Should -BeExactly $path
        $entry.Size | Should -Be $DuAllocated[$path]
    }

    It 'takes relative paths against the current location, not the process directory' {
        Push-Location -LiteralPath $Root
        try {
            [System.IO.Directory]::GetCurrentDirectory() | Should -Not -Be $Root -Because 'the test must tell the two apart'
            (Get-DiskUsage alpha -Depth 0).Path | Should -Be "$Root/alpha"
            (Get-DiskUsage ./beta -Depth 0).Path | Should -Be "$Root/beta"
            (Get-DiskUsage -LiteralPath "../tree/gam[ma]" -Depth 0).Path | Should -Be "$Root/gam[ma]"
            (Get-DiskUsage | Select-Object -First 1).Path | Should -Be $Root -Because 'no path means the current location'
        } finally { Pop-Location }
    }

    It 'expands ~ to the home directory' {
        $run = Invoke-TestPwsh -Environment @{ HOME = $Root } -Command @'
(Get-DiskUsage ~/alpha -Depth 0).Path
(Get-DiskUsage -LiteralPath ~ -Depth 0).Path
(Get-DiskUsage -Path '~/gam`[ma`]' -Depth 0).Path
'@
        $run.StandardError | Should -BeNullOrEmpty
        $run.StandardOutput.Trim() -split "`n" | Should -Be @("$Root/alpha", $Root, "$Root/gam[ma]")
    }

    It 'resolves paths on a new FileSystem PSDrive to file-system paths' {
        $null = New-PSDrive -Name dtusage -PSProvider FileSystem -Root $Root
        try {
            (Get-DiskUsage dtusage:\alpha -Depth 0).Path | Should -Be "$Root/alpha"
            (Get-DiskUsage -LiteralPath 'dtusage:\gam[ma]' -Depth 0).Path | Should -Be "$Root/gam[ma]"
            (Get-DiskUsage dtusage:\ -Depth 0).Path.TrimEnd('/') | Should -Be $Root -Because 'a drive root is its root directory (written as du writes a root given with a slash)'
            (Get-DiskUsage TestDrive:\tree\beta -Depth 0).Path | Should -Be "$Root/beta"
        } finally { Remove-PSDrive -Name dtusage }
    }

    It 'takes items piped from Get-ChildItem and Get-Item, brackets literal' {
        $dirs = @(Get-ChildItem -LiteralPath $Root -Directory)
        $entries = @($dirs | Get-DiskUsage -Depth 0 -ErrorVariable err)
        $err | Should -BeNullOrEmpty
        @($entries.Path | Sort-Object) | Should -Be @($dirs.FullName | Sort-Object)
        (Get-Item -LiteralPath "$Root/gam[ma]" | Get-DiskUsage -Depth 0).Path | Should -Be "$Root/gam[ma]"
        $file = Get-ChildItem -LiteralPath "$Root/beta" -File | Get-DiskUsage
        $file.Path | Should -Be "$Root/beta/mid.bin"
        "$($file.Kind)" | Should -Be 'File'
    }

    It 'takes piped strings and DirectoryInfo objects' {
        @(("$Root/alpha", "$Root/beta" | Get-DiskUsage -Depth 0).Path) | Should -Be @("$Root/alpha", "$Root/beta")
        ([System.IO.DirectoryInfo]::new("$Root/beta") | Get-DiskUsage -Depth 0).Path | Should -Be "$Root/beta"
    }

    It 'rejects <Path> with a clear NotFileSystemPath error' -ForEach $NonFileSystemPaths {
        $out = Get-DiskUsage -Path $Path -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        Assert-ErrorRecord $err[0] "NotFileSystemPath,$Command" InvalidArgument $Path
        $err[0].Exception.Message | Should -BeExactly "'$Path' is $Provider path; DiskTools works on file-system paths only."
        Get-DiskUsage -LiteralPath $Path -ErrorVariable literalErr -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $literalErr[0] "NotFileSystemPath,$Command" InvalidArgument $Path
    }
}

Describe 'Get-DiskUsage errors' {
    It 'reports a missing root as ObjectNotFound and goes on with the others' {
        $missing = "$Root/missing"
        $out = @(Get-DiskUsage -LiteralPath $missing, "$Root/beta", "$Root/gone" -Depth 0 -ErrorVariable err -ErrorAction SilentlyContinue)
        $err.Count | Should -Be 2
        Assert-ErrorRecord $err[0] "PathNotFound,$Command" ObjectNotFound $missing
        Assert-ErrorRecord $err[1] "PathNotFound,$Command" ObjectNotFound "$Root/gone"
        $out.Path | Should -Be "$Root/beta"
    }

    It 'reports a wildcard that matches nothing and an unknown drive' {
        Get-DiskUsage -Path "$Root/zz*", 'nosuchdrive:\x' -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err.Count | Should -Be 2
        Assert-ErrorRecord $err[0] "PathNotFound,$Command" ObjectNotFound "$Root/zz*"
        Assert-ErrorRecord $err[1] "PathNotFound,$Command" ObjectNotFound 'nosuchdrive:\x'
    }

    It '-ErrorAction Stop makes the first error terminating and nothing more runs' {
        $written = [System.Collections.Generic.List[object]]::new()
        $caught = $null
        try { Get-DiskUsage -LiteralPath "$Root/missing", "$Root/beta" -Depth 0 -ErrorAction Stop | ForEach-Object { $written.Add($_) } }
        catch { $caught = $_ }
        Assert-ErrorRecord $caught "PathNotFound,$Command" ObjectNotFound "$Root/missing"
        $written.Count | Should -Be 0
    }

    It '$ErrorActionPreference = ''Stop'' does the same in a fresh pwsh' {
        $run = Invoke-TestPwsh -Environment @{ DT_ROOT = $Root } -Command @'
$ErrorActionPreference = 'Stop'
try { Get-DiskUsage -LiteralPath "$env:DT_ROOT/missing", "$env:DT_ROOT/beta" -Depth 0; 'not stopped' }
catch { 'caught {0} {1}' -f $_.FullyQualifiedErrorId, $_.CategoryInfo.Category }
'@
        $run.StandardOutput.Trim() | Should -BeExactly "caught PathNotFound,$Command ObjectNotFound"
    }

    It 'reports an unreadable directory as PermissionDenied and marks it and its ancestors incomplete' {
        # root reads everything: the scan runs as 'nobody' to meet a real EACCES.
        Assert-TestPrerequisite -Available ((Test-IsRoot) -and (Test-Path /usr/bin/setpriv)) -Because 'needs root and setpriv to run the scan as an unprivileged user'
        & chmod -R a+rX $TestDrive
        & chmod 700 "$Root/alpha/one"
        try {
            $script = @'
Get-DiskUsage -LiteralPath $env:DT_ROOT -Depth 2 -ErrorVariable e -ErrorAction SilentlyContinue | ForEach-Object { 'E|{0}|{1}' -f $_.Path, $_.Incomplete }
$e | ForEach-Object { 'R|{0}|{1}|{2}' -f $_.FullyQualifiedErrorId, $_.CategoryInfo.Category, $_.TargetObject }
try { Get-DiskUsage -LiteralPath $env:DT_ROOT -Depth 2 -ErrorAction Stop | Out-Null; 'S|not stopped' } catch { 'S|{0}' -f $_.FullyQualifiedErrorId }
'@
            $prologue = "Import-Module '$((Get-TestModuleManifest).Replace("'", "''"))' -ErrorAction Stop`n"
            $started = Start-TestProcess -FilePath /usr/bin/setpriv -Environment @{ DT_ROOT = $Root; HOME = '/tmp' } -ArgumentList @(
                '--reuid=nobody', '--regid=nogroup', '--clear-groups', (Get-TestPwshPath), '-NoProfile', '-NonInteractive', '-Command', $prologue + $script)
            $run = Wait-TestProcess $started
            $lines = @($run.StandardOutput -split "`n" | ForEach-Object Trim | Where-Object { $_ })
            $lines | Should -Contain "R|DiskUsagePermissionDenied,$Command|PermissionDenied|$Root/alpha/one" -Because $run.StandardError
            $lines | Should -Contain "E|$Root|True"
            $lines | Should -Contain "E|$Root/alpha|True"
            $lines | Should -Contain "E|$Root/alpha/one|True"
            $lines | Should -Contain "E|$Root/beta|False"
            $lines | Should -Contain "S|DiskUsagePermissionDenied,$Command"
        } finally { & chmod 755 "$Root/alpha/one" }
    }
}

Describe 'Get-DiskUsage completion' {
    It 'completes parameter names' {
        Get-CompletionText 'Get-DiskUsage -Thr' | Should -Be @('-ThrottleLimit')
        Get-CompletionText 'Get-DiskUsage -Lit' | Should -Be @('-LiteralPath')
        Get-CompletionText 'Get-DiskUsage -Sess' | Should -Be @('-SessionVariable')
    }

    It 'completes every -Strategy value' {
        $names = [enum]::GetNames((Get-Command Get-DiskUsage).Parameters['Strategy'].ParameterType)
        Get-CompletionText 'Get-DiskUsage -Strategy ' | Should -Be @($names | Sort-Object)
        Get-CompletionText 'Get-DiskUsage -Strategy Se' | Should -Be @('Sequential')
    }

    It 'still accepts the former -Strategy names Optimized and Legacy' {
        "$((Get-DiskUsage -LiteralPath $Root -Depth 0 -Strategy Optimized -AsSession).Strategy)" | Should -Be 'Parallel'
        "$((Get-DiskUsage -LiteralPath $Root -Depth 0 -Strategy legacy -AsSession).Strategy)" | Should -Be 'Sequential'
        { Get-DiskUsage -LiteralPath $Root -Depth 0 -Strategy Fastest } | Should -Throw -ExpectedMessage '*Parallel, Sequential*'
    }

    It 'completes -Path with escaped brackets and -LiteralPath as it is, and the completed line runs' {
        $offered = @(Get-CompletionText "Get-DiskUsage $Root/gam")
        $offered | Should -Be @("'$Root/gam``[ma``]'")
        (Invoke-Expression "Get-DiskUsage $($offered[0]) -Depth 0").Path | Should -Be "$Root/gam[ma]"
        $literal = @(Get-CompletionText "Get-DiskUsage -LiteralPath $Root/gam")
        (Invoke-Expression "Get-DiskUsage -LiteralPath $($literal[0]) -Depth 0").Path | Should -Be "$Root/gam[ma]"
        $spaced = @(Get-CompletionText "Get-DiskUsage -LiteralPath $Root/with")
        $spaced | Should -Be @("'$Root/with space'")
        (Invoke-Expression "Get-DiskUsage -LiteralPath $($spaced[0]) -Depth 0").Path | Should -Be "$Root/with space"
    }
}

Describe 'Get-DiskUsage progress and stopping' {
    It 'writes throttled progress closed by a Completed record, and none with $ProgressPreference SilentlyContinue' {
        $scan = 'param($m, $pref) Import-Module $m; $ProgressPreference = $pref; Get-DiskUsage / -Depth 0 -Strategy Legacy -ThrottleLimit 1 -Timeout 00:00:02 -AsSession -ErrorAction SilentlyContinue -WarningAction SilentlyContinue'
        $shown = Start-Job -ScriptBlock ([scriptblock]::Create($scan)) -ArgumentList (Get-TestModuleManifest), 'Continue'
        $silent = Start-Job -ScriptBlock ([scriptblock]::Create($scan)) -ArgumentList (Get-TestModuleManifest), 'SilentlyContinue'
        try {
            $null = Wait-Job $shown, $silent -Timeout 120
            "$($shown.State)/$($silent.State)" | Should -Be 'Completed/Completed'
            $session = Receive-Job $shown
            $null = Receive-Job $silent
            $seconds = $session.Duration.TotalSeconds
            $seconds | Should -BeGreaterThan 0.75 -Because 'the scan must run long enough to show progress'
            $records = @($shown.ChildJobs[0].Progress)
            $records.Count | Should -BeGreaterOrEqual 2
            $records.Count | Should -BeLessOrEqual ([int] ($seconds * 5) + 3) -Because 'progress is throttled'
            $records | ForEach-Object { $_.ActivityId | Should -Be 0x4455 }
            $records[-1].RecordType | Should -Be 'Completed'
            $records[0].StatusDescription | Should -Match 'entries'
            @($silent.ChildJobs[0].Progress).Count | Should -Be 0
        } finally { Remove-Job $shown, $silent -Force }
    }

    It 'stops a big scan promptly on PowerShell.Stop (Ctrl+C) and keeps the partial session' {
        $run = Start-HostedPipeline -Script '$ProgressPreference = ''Continue''; Get-DiskUsage / -Depth 0 -ThrottleLimit 1 -Strategy Legacy -SessionVariable partial'
        try {
            # Stop only once the scan is under way (its first progress record), however slowly it started.
            $null = Wait-Until { $run.Shell.Streams.Progress.Count -gt 0 -or $run.Handle.IsCompleted } -TimeoutSeconds 60 -Because 'the first progress record'
            $run.Handle.IsCompleted | Should -BeFalse -Because 'the scan of / must still be running to be stopped'
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $run.Shell.Stop()
            $run.Handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds(10)) | Should -BeTrue
            $clock.Elapsed.TotalSeconds | Should -BeLessThan 2
            $run.Shell.InvocationStateInfo.State | Should -Be 'Stopped'
            $partial = $run.Shell.Runspace.SessionStateProxy.GetVariable('partial')
            "$($partial.Status)" | Should -Be 'Aborted'
            $partial.AbortReason | Should -Be 'Stopped'
            $partial.TotalFiles | Should -BeGreaterThan 0
            $partial.EndTime | Should -BeGreaterOrEqual $partial.StartTime
        } finally { $run.Shell.Runspace.Dispose(); $run.Shell.Dispose() }
    }
}
