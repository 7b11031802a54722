# The module as a user meets it: import by manifest, the command set, help and -? for every cmdlet.
BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    $manifest = Import-PowerShellDataFile -LiteralPath (Get-TestModuleManifest)
    $script:Cmdlets = @($manifest.CmdletsToExport | ForEach-Object { @{ Name = $_ } })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-TestModule
    $script:Manifest = Import-PowerShellDataFile -LiteralPath (Get-TestModuleManifest)
}

Describe 'Import-Module DiskTools' {
    It 'exports exactly the cmdlets the manifest lists' {
        $exported = (Get-Command -Module DiskTools -CommandType Cmdlet).Name | Sort-Object
        $exported | Should -Be ($script:Manifest.CmdletsToExport | Sort-Object)
    }

    It 'imports in a fresh pwsh with no errors or warnings' {
        $run = Invoke-TestPwsh -Command '(Get-Command -Module DiskTools).Count'
        $run.StandardError | Should -BeNullOrEmpty
        $run.ExitCode | Should -Be 0
        [int] $run.StandardOutput.Trim() | Should -Be ($script:Manifest.CmdletsToExport.Count + $script:Manifest.AliasesToExport.Count)
    }

    It 'exports each alias the manifest lists, resolving to one of its cmdlets' {
        $aliases = Get-Command -Module DiskTools -CommandType Alias
        $aliases.Name | Sort-Object | Should -Be ($script:Manifest.AliasesToExport | Sort-Object)
        (Get-Alias Get-SyncOperation).ResolvedCommandName | Should -Be 'Get-ReconciliationOperation'
    }

    It 'removes cleanly and imports again' {
        Remove-Module DiskTools
        Get-Command -Module DiskTools -ErrorAction Ignore | Should -BeNullOrEmpty
        Import-TestModule
        Get-Command Get-DiskUsage | Should -Not -BeNullOrEmpty
    }
}

Describe 'Help for <Name>' -ForEach $script:Cmdlets {
    BeforeAll {
        $script:Help = Get-Help -Name $Name -Full
        $script:Command = Get-Command -Name $Name
    }

    It 'has a synopsis and a description' {
        $script:Help.Synopsis | Should -Not -BeNullOrEmpty
        $script:Help.Synopsis | Should -Not -Match '^\s*\S+\s+\[' -Because 'a synopsis is prose, not the generated syntax line'
        ($script:Help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
    }

    It 'has at least one example' {
        @($script:Help.examples.example).Count | Should -BeGreaterThan 0
    }

    It 'documents every parameter' {
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $entries = if ($script:Help.parameters.PSObject.Properties['parameter']) { @($script:Help.parameters.parameter) } else { @() }
        $documented = @($entries | ForEach-Object { $_.name })
        foreach ($parameter in $script:Command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $documented | Should -Contain $parameter -Because "$Name -$parameter needs a help entry"
            $entry = $entries | Where-Object name -EQ $parameter
            ($entry.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "$Name -$parameter needs a description"
        }
    }

    It 'answers -? with its help' {
        $text = & $Name -? | Out-String
        $text | Should -Match ([regex]::Escape($Name))
        $text | Should -Match 'SYNOPSIS'
    }

    It 'declares its output types (Remove-* write nothing and declare nothing)' {
        if ($Name -like 'Remove-*') { $script:Command.OutputType | Should -BeNullOrEmpty; return }
        $script:Command.OutputType | Should -Not -BeNullOrEmpty
    }
}
