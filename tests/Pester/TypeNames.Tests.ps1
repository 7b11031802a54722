# DiskTools' types by name in real pwsh: type literals, -is, casts, typed parameters, enum literals and
# Should -BeOfType; and the libraries it ships staying private when another copy shares the session.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-TestModule
    $script:Root = Join-Path ([System.IO.Path]::GetTempPath()) "dt-typenames-$PID"
    $null = New-Item -ItemType Directory -Force -Path (Join-Path $script:Root 'sub')
    [System.IO.File]::WriteAllBytes((Join-Path $script:Root 'sub/file.bin'), [byte[]]::new(10000))

    # Another module's YamlDotNet, older than DiskTools' own: the copy the xUnit isolation test references.
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $script:ForeignYaml = Join-Path $packages 'yamldotnet/13.7.1/lib/net7.0/YamlDotNet.dll'

    # What a fresh pwsh reports after loading the foreign YamlDotNet before or after DiskTools, and using both.
    $script:SideBySide = @'
param($Order, $ForeignPath, $Manifest, $Config)
$ErrorActionPreference = 'Stop'
function Use-Foreign {
    $d = [YamlDotNet.Serialization.DeserializerBuilder]::new().Build()
    $parsed = $d.Deserialize[System.Collections.Generic.Dictionary[string, string]]('a: b')
    '{0}|{1}' -f [YamlDotNet.Serialization.Deserializer].Assembly.GetName().Version.Major, $parsed['a']
}
if ($Order -eq 'foreign-first') { Add-Type -LiteralPath $ForeignPath; $foreign = Use-Foreign }
Import-Module $Manifest
$null = New-SyncConfig -Path $Config -Force
# The config is checked (parsed with the YamlDotNet DiskTools uses) before any connection is tried.
$checked = Start-SyncSession -ComputerName 127.0.0.1 -ConfigPath $Config -WhatIf -ErrorAction Continue *>&1 | Out-String
if ($Order -eq 'disktools-first') { Add-Type -LiteralPath $ForeignPath; $foreign = Use-Foreign }
$yaml = Get-DiskToolsDependency | Where-Object Name -EQ YamlDotNet
[pscustomobject]@{
    Foreign = $foreign
    ForeignAgain = Use-Foreign
    ConfigChecked = $checked -match 'is valid'
    YamlContext = $yaml.LoadContext
    YamlMajor = $yaml.Version.Major
    TypeName = [DiskTools.Engine.Diagnostics.DependencyInfo].FullName
} | ConvertTo-Json -Compress
'@
}

AfterAll {
    Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction Ignore
}

Describe 'DiskTools type names' {
    It 'resolve as type literals and by -as' {
        [DiskTools.Engine.DiskUsage.DiskUsageEntry].FullName | Should -Be 'DiskTools.Engine.DiskUsage.DiskUsageEntry'
        [DiskTools.Engine.DiskUsage.ScanSession].FullName | Should -Be 'DiskTools.Engine.DiskUsage.ScanSession'
        [DiskTools.Engine.Btrfs.BtrfsSnapshot].FullName | Should -Be 'DiskTools.Engine.Btrfs.BtrfsSnapshot'
        'DiskTools.Engine.Sync.Session.SyncSession' -as [type] | Should -Not -BeNullOrEmpty
    }

    It 'work with Should -BeOfType, -is and casts on output objects' {
        $entry = Get-DiskUsage -LiteralPath $script:Root -Depth 0
        $entry | Should -BeOfType [DiskTools.Engine.DiskUsage.DiskUsageEntry]
        $entry | Should -BeOfType 'DiskTools.Engine.DiskUsage.DiskUsageEntry'
        Get-DiskUsage -LiteralPath $script:Root -AsSession | Should -BeOfType [DiskTools.Engine.DiskUsage.ScanSession]
        $entry -is [DiskTools.Engine.DiskUsage.ScanSession] | Should -BeFalse
        ([DiskTools.Engine.DiskUsage.DiskUsageEntry] $entry).Path | Should -Be $script:Root
    }

    It 'type script parameters' {
        function Get-EntrySize([Parameter(Mandatory)] [DiskTools.Engine.DiskUsage.DiskUsageEntry] $Entry) { $Entry.Size }
        Get-EntrySize -Entry (Get-DiskUsage -LiteralPath $script:Root -Depth 0) | Should -BeGreaterOrEqual 10000
        { Get-EntrySize -Entry 'not an entry' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,Get-EntrySize'
    }

    It 'give enum literals that bind to cmdlet parameters' {
        $entry = Get-DiskUsage -LiteralPath $script:Root -Depth 0 -Strategy ([DiskTools.Engine.Traversal.WalkStrategy]::Sequential)
        $entry.Kind | Should -Be ([DiskTools.Engine.DiskUsage.DiskUsageEntryKind]::Directory)
        [enum]::GetNames([DiskTools.Engine.Btrfs.SnapshotPhase]) | Should -Be @('PreSync', 'PostSync', 'Manual')
    }
}

Describe 'Another YamlDotNet in the same session (<Order>)' -ForEach @(@{ Order = 'foreign-first' }, @{ Order = 'disktools-first' }) {
    It 'leaves each module its own copy' {
        Assert-TestPrerequisite -Available (Test-Path -LiteralPath $script:ForeignYaml) -Because "YamlDotNet 13.7.1 is restored by tests/DiskTools.Module.Tests ($script:ForeignYaml)"
        $config = Join-Path $script:Root "sync-$Order.yaml"
        $run = Wait-TestProcess -TimeoutSeconds 120 (Start-TestProcess -FilePath (Get-TestPwshPath) -ArgumentList @(
                '-NoProfile', '-NonInteractive', '-Command',
                "& { $script:SideBySide } -Order '$Order' -ForeignPath '$script:ForeignYaml' -Manifest '$(Get-TestModuleManifest)' -Config '$config'"))
        $run.StandardError | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        $report = $run.StandardOutput | ConvertFrom-Json
        $report.Foreign | Should -Be '13|b'
        $report.ForeignAgain | Should -Be '13|b'
        $report.ConfigChecked | Should -BeTrue -Because 'DiskTools parsed its config with its own YamlDotNet'
        $report.YamlContext | Should -Be 'DiskTools'
        $report.YamlMajor | Should -BeGreaterOrEqual 16
        $report.TypeName | Should -Be 'DiskTools.Engine.Diagnostics.DependencyInfo'
    }
}
