# Get-DiskToolsDependency as a user runs it: what it lists, and its objects through the standard cmdlets.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/CmdletHelpers.ps1
    Import-TestModule
    $script:InfoType = 'DiskTools.Engine.Diagnostics.DependencyInfo'
    $script:Dependencies = @(Get-DiskToolsDependency)
    $script:Libraries = @('DiskTools.Engine', 'Npgsql', 'Renci.SshNet', 'YamlDotNet', 'Parquet')
}

Describe 'Get-DiskToolsDependency' {
    It 'lists the engine and every third-party library, loaded from the module folder in its own load context' {
        $moduleBase = (Get-Module DiskTools).ModuleBase
        @($Dependencies.Name) | Should -Be $Libraries
        foreach ($dependency in $Dependencies) {
            $dependency.PSObject.TypeNames[0] | Should -BeExactly $InfoType
            $dependency.Version | Should -BeOfType [System.Version]
            $dependency.Version | Should -BeGreaterThan ([version] '0.0')
            $dependency.LoadContext | Should -Not -Be 'Default' -Because "$($dependency.Name) must stay private to the module"
            $dependency.Location | Should -BeLike "$moduleBase/*"
            Test-Path -LiteralPath $dependency.Location -PathType Leaf | Should -BeTrue
        }
        # The version pwsh itself would report for the file on disk is the one that is loaded.
        $npgsql = $Dependencies | Where-Object Name -EQ 'Npgsql'
        [System.Reflection.AssemblyName]::GetAssemblyName($npgsql.Location).Version | Should -Be $npgsql.Version
    }

    # -BeOfType by type name: needs DiskTools' public types published to PowerShell's type resolution.
    It 'writes DependencyInfo objects (Should -BeOfType)' {
        $Dependencies | Should -BeOfType [DiskTools.Engine.Diagnostics.DependencyInfo]
    }

    It 'takes no arguments and no pipeline input' {
        { Get-DiskToolsDependency -Name x -ErrorAction Stop } | Should -Throw -ErrorId 'NamedParameterNotFound,DiskTools.Commands.Diagnostics.GetDiskToolsDependencyCommand'
        { 'x' | Get-DiskToolsDependency -ErrorAction Stop } | Should -Throw -ErrorId 'InputObjectNotBound,DiskTools.Commands.Diagnostics.GetDiskToolsDependencyCommand'
    }

    It 'works with Select-Object, Sort-Object, Group-Object and Measure-Object' {
        @($Dependencies | Select-Object Name, Version -First 2).Count | Should -Be 2
        @(($Dependencies | Sort-Object Name).Name) | Should -Be @($Libraries | Sort-Object)
        $groups = @($Dependencies | Group-Object LoadContext)
        $groups.Count | Should -Be 1 -Because 'the engine and its libraries share one private context'
        $groups[0].Count | Should -Be $Libraries.Count
        ($Dependencies | Measure-Object).Count | Should -Be $Libraries.Count
        ($Dependencies | ForEach-Object { (Get-Item -LiteralPath $_.Location).Length } | Measure-Object -Sum).Sum | Should -BeGreaterThan 0
    }

    It 'round-trips through ConvertTo-Json and Export-Csv/Import-Csv' {
        $json = @($Dependencies | ConvertTo-Json | ConvertFrom-Json)
        @($json.Name) | Should -Be $Libraries
        $json[0].Location | Should -Be $Dependencies[0].Location
        $csv = Join-Path $TestDrive 'deps.csv'
        $Dependencies | Export-Csv -LiteralPath $csv
        $rows = @(Import-Csv -LiteralPath $csv)
        @($rows.Name) | Should -Be $Libraries
        [version] $rows[1].Version | Should -Be $Dependencies[1].Version
    }

    It 'renders its table and list views' {
        Assert-Rendered ($Dependencies | Get-RenderedText) -Expect @('Name', 'Version', 'LoadContext', 'Location', 'Npgsql', 'YamlDotNet')
        Assert-Rendered ($Dependencies | Get-RenderedText -As List) -Expect @('InformationalVersion', 'Renci.SshNet')
    }

    It 'renders the same after Export-Clixml and Import-Clixml' {
        $xml = Join-Path $TestDrive 'deps.xml'
        $Dependencies | Export-Clixml -LiteralPath $xml
        $back = @(Import-Clixml -LiteralPath $xml)
        $back[0].PSObject.TypeNames[0] | Should -BeExactly "Deserialized.$InfoType"
        $live = $Dependencies | Get-RenderedText
        $text = $back | Get-RenderedText
        Assert-Rendered $text -Expect @('Npgsql', 'LoadContext')
        $text | Should -BeExactly $live
    }

    It 'completes its name' {
        Get-CompletionText 'Get-DiskToolsDep' | Should -Be @('Get-DiskToolsDependency')
    }
}
