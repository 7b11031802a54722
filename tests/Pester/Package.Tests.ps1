# Packaging as PowerShell users install: build.ps1 in real pwsh writes the package with PSResourceGet,
# a local PSResource repository serves it, Install-PSResource installs it and it imports by name.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    $script:Manifest = Import-PowerShellDataFile -LiteralPath (Get-TestModuleManifest)
    $script:Version = [string] $script:Manifest.ModuleVersion
    $script:BuildScript = Join-Path $script:RepositoryRoot 'build.ps1'
    $script:PackageDir = Join-Path $TestDrive 'packages'
    $script:UserHome = Join-Path $TestDrive 'home'
    $null = New-Item -ItemType Directory -Path $script:UserHome

    # A whole Build in pwsh into an output of its own (dotnet's incremental build keeps it short): the
    # arguments build.ps1 hands to dotnet must survive pwsh's native-argument rules.
    $script:BuildOutput = Join-Path $TestDrive 'output'
    $command = "& '$($script:BuildScript)' -Task Package -OutputPath '$($script:BuildOutput)' -PackagePath '$($script:PackageDir)'"
    $script:PackageRun = Wait-TestProcess (Start-TestProcess -FilePath (Get-TestPwshPath) -ArgumentList @('-NoProfile', '-NonInteractive', '-Command', $command)) -TimeoutSeconds 900
    $script:Package = Join-Path $script:PackageDir "DiskTools.$($script:Version).nupkg"
}

Describe 'build.ps1 -Task Package' {
    It 'builds and packages in pwsh and writes DiskTools.<version>.nupkg' {
        $script:PackageRun.ExitCode | Should -Be 0 -Because $script:PackageRun.StandardError
        Join-Path $script:BuildOutput "DiskTools/$($script:Version)/bin/DiskTools.dll" | Should -Exist
        $script:Package | Should -Exist
    }

    It 'holds the module at the package root, with the manifest as built' {
        $null = [System.Reflection.Assembly]::Load('System.IO.Compression')
        $zip = [System.IO.Compression.ZipFile]::OpenRead($script:Package)
        try {
            $entries = $zip.Entries.FullName
            foreach ($name in 'DiskTools.psd1', 'DiskTools.psm1', 'bin/DiskTools.dll', 'bin/DiskTools.Loader.dll', 'en-US/DiskTools.dll-Help.xml', 'en-US/about_DiskTools.help.txt') {
                $entries | Should -Contain $name
            }
            $nuspec = [xml] [System.IO.StreamReader]::new($zip.GetEntry('DiskTools.nuspec').Open()).ReadToEnd()
            $nuspec.package.metadata.id | Should -Be 'DiskTools'
            $nuspec.package.metadata.version | Should -Be $script:Version
            $tags = $nuspec.package.metadata.tags -split ' '
            $tags | Should -Contain 'PSModule'
            foreach ($tag in $script:Manifest.PrivateData.PSData.Tags) { $tags | Should -Contain $tag }
        }
        finally { $zip.Dispose() }
    }

    It 'installs with Install-PSResource from a local repository, imports by name and runs a cmdlet' {
        $tree = Join-Path $TestDrive 'tree'
        $null = New-Item -ItemType Directory -Path (Join-Path $tree 'sub')
        [System.IO.File]::WriteAllBytes((Join-Path $tree 'sub/data.bin'), [byte[]]::new(10000))
        $command = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name DiskToolsLocal -Uri '$($script:PackageDir)' -Trusted
Install-PSResource -Name DiskTools -Repository DiskToolsLocal -Scope CurrentUser -TrustRepository
`$module = Import-Module DiskTools -PassThru
`$module.ModuleBase
(Get-DiskUsage -LiteralPath '$tree' -Depth 0).ApparentSize
"@
        # A home of its own: the repository registration and CurrentUser scope stay inside the test drive.
        $run = Wait-TestProcess (Start-TestProcess -FilePath (Get-TestPwshPath) -ArgumentList @('-NoProfile', '-NonInteractive', '-Command', $command) -Environment @{ HOME = $script:UserHome; PSModulePath = '' }) -TimeoutSeconds 900
        $run.ExitCode | Should -Be 0 -Because $run.StandardError
        $lines = $run.StandardOutput.Trim() -split "`n"
        $lines[0] | Should -BeLike "$($script:UserHome)/.local/share/powershell/Modules/DiskTools/$($script:Version)*"
        [long] $lines[-1] | Should -BeGreaterOrEqual 10000
    }
}
