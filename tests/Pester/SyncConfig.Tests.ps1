# New-SyncConfig as a user runs it: where it writes (relative, ~, PSDrives, odd names), what it refuses.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/CmdletHelpers.ps1
    Import-TestModule
    $script:Command = 'DiskTools.Commands.Sync.NewSyncConfigCommand'
    function Assert-DefaultConfig([string] $Path) {
        $text = [System.IO.File]::ReadAllText($Path)
        $text | Should -Match 'preflight_minimum: 20%'
        $text | Should -Match '(?m)^# '
    }
}

Describe 'New-SyncConfig' {
    It 'changes nothing with -WhatIf, then writes the commented default and returns the file' {
        $path = Join-Path $TestDrive 'nested/deeper/sync.yaml'
        New-SyncConfig -Path $path -WhatIf | Should -BeNullOrEmpty
        Test-Path -LiteralPath (Join-Path $TestDrive 'nested') | Should -BeFalse
        $file = New-SyncConfig -Path $path -Confirm:$false
        $file | Should -BeOfType [System.IO.FileInfo]
        $file.PSObject.TypeNames[0] | Should -BeExactly 'System.IO.FileInfo'
        $file.FullName | Should -Be $path
        Assert-DefaultConfig $path
    }

    It 'refuses to overwrite without -Force (ResourceExists), and -ErrorAction Stop makes that terminating' {
        $path = Join-Path $TestDrive 'existing.yaml'
        [System.IO.File]::WriteAllText($path, 'mine')
        New-SyncConfig -Path $path -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $err[0] "SyncConfigExists,$Command" ResourceExists $path
        [System.IO.File]::ReadAllText($path) | Should -Be 'mine'
        { New-SyncConfig -Path $path -ErrorAction Stop } | Should -Throw -ErrorId "SyncConfigExists,$Command"
        New-SyncConfig -Path $path -Force -WhatIf | Should -BeNullOrEmpty
        [System.IO.File]::ReadAllText($path) | Should -Be 'mine'
        (New-SyncConfig -Path $path -Force).FullName | Should -Be $path
        Assert-DefaultConfig $path
    }

    It 'refuses a directory with a terminating InvalidArgument error' {
        $caught = $null
        try { New-SyncConfig -Path $TestDrive } catch { $caught = $_ }
        Assert-ErrorRecord $caught "SyncConfigPathIsDirectory,$Command" InvalidArgument $TestDrive
    }

    It 'refuses a path of another provider and writes nothing in the process directory' {
        $before = @([System.IO.Directory]::GetFileSystemEntries([System.IO.Directory]::GetCurrentDirectory()))
        New-SyncConfig -Path Env:\DT_SYNC\sync.yaml -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Assert-ErrorRecord $err[0] "NotFileSystemPath,$Command" InvalidArgument 'Env:\DT_SYNC\sync.yaml'
        $err[0].Exception.Message | Should -Match 'an Environment path'
        @([System.IO.Directory]::GetFileSystemEntries([System.IO.Directory]::GetCurrentDirectory())) | Should -Be $before
        Test-Path Env:\DT_SYNC | Should -BeFalse
    }

    It 'writes a name holding <Name> as it is' -ForEach @(
        @{ Name = 'sync[1].yaml' }, @{ Name = 'st*ar?.yaml' }, @{ Name = '$(touch x);y.yaml' }, @{ Name = 'with space-and-dash.yaml' }
    ) {
        $path = [System.IO.Path]::Combine($TestDrive, 'odd', $Name)
        (New-SyncConfig -LiteralPath $path).FullName | Should -BeExactly $path
        Assert-DefaultConfig $path
        @(Get-ChildItem -LiteralPath ([System.IO.Path]::Combine($TestDrive, 'odd')) -File | Where-Object Name -EQ $Name).Count | Should -Be 1
    }

    It 'writes relative paths against the current location and on a new PSDrive' {
        $dir = Join-Path $TestDrive 'relative'
        $null = New-Item -ItemType Directory -Path $dir
        Push-Location -LiteralPath $dir
        try {
            [System.IO.Directory]::GetCurrentDirectory() | Should -Not -Be $dir
            (New-SyncConfig sub/sync.yaml).FullName | Should -Be "$dir/sub/sync.yaml"
            (New-SyncConfig ./other.yaml).FullName | Should -Be "$dir/other.yaml"
        } finally { Pop-Location }
        $null = New-PSDrive -Name dtcfg -PSProvider FileSystem -Root $dir
        try { (New-SyncConfig dtcfg:\drive.yaml).FullName | Should -Be "$dir/drive.yaml" }
        finally { Remove-PSDrive -Name dtcfg }
        Assert-DefaultConfig "$dir/drive.yaml"
    }

    It 'writes to ~ and, with no path, to $XDG_CONFIG_HOME/disktools/sync.yaml' {
        $home_ = Join-Path $TestDrive 'home'
        $config = Join-Path $TestDrive 'xdg'
        $run = Invoke-TestPwsh -Environment @{ HOME = $home_; XDG_CONFIG_HOME = $config } -Command '(New-SyncConfig ~/mine.yaml).FullName; (New-SyncConfig).FullName'
        $run.StandardError | Should -BeNullOrEmpty
        $run.StandardOutput.Trim() -split "`n" | Should -Be @("$home_/mine.yaml", "$config/disktools/sync.yaml")
        Assert-DefaultConfig "$home_/mine.yaml"
        Assert-DefaultConfig "$config/disktools/sync.yaml"
    }

    It 'completes its parameters and file paths for -Path' {
        $null = New-Item -ItemType File -Path (Join-Path $TestDrive 'complete-me.yaml') -Force
        Get-CompletionText 'New-SyncConfig -Fo' | Should -Be @('-Force')
        @(Get-CompletionText "New-SyncConfig -Path $TestDrive/complete-m") | Should -Be @("$TestDrive/complete-me.yaml")
    }
}
