#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, documents and packages DiskTools (build.sh does Build and Test where there is no pwsh).

.DESCRIPTION
    Build    assembles <OutputPath>/DiskTools/<version>/ (manifest, module files, bin/, en-US help) and the
             disktools launcher in <OutputPath>/launcher/, the same layout build.sh makes.
    Test     builds (unless -NoBuild), then runs 'dotnet test' for every tests/*.Tests project and the Pester
             suite (tests/Pester, in the pinned pwsh under tools/) against that output (DISKTOOLS_OUTPUT),
             and prints one 'Total: N passed, N failed, N skipped' line over both.
    Docs     writes en-US/DiskTools.dll-Help.xml into the built module: New-ExternalHelp when platyPS is
             installed, otherwise build/HelpBuilder (same MAML).
    Package  builds (unless -NoBuild), then writes DiskTools.<version>.nupkg to -PackagePath with
             PSResourceGet's Compress-PSResource, ready for Publish-PSResource or a local repository that
             Install-PSResource installs from (needs pwsh: the launcher does not carry PSResourceGet).

    The version comes from DiskTools.psd1 only.

.EXAMPLE
    ./build.ps1 -Task Build, Test

.EXAMPLE
    ./build.ps1 -Task Package -NoBuild -PackagePath ./packages
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Package')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Root of the build output: the module goes to <OutputPath>/DiskTools/<version>/.
    [string] $OutputPath = [System.IO.Path]::Combine($PSScriptRoot, 'output'),

    # Where Package writes the .nupkg; defaults to <OutputPath>/packages.
    [string] $PackagePath,

    # Test and Package reuse the module already built in OutputPath instead of building it again.
    [switch] $NoBuild
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$root = $PSScriptRoot
# Relative paths are relative to the current location, as in any cmdlet (Get-Location is not in every host).
$here = $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath, $here)
$PackagePath = if ($PackagePath) { [System.IO.Path]::GetFullPath($PackagePath, $here) } else { [System.IO.Path]::Combine($OutputPath, 'packages') }
[System.Environment]::SetEnvironmentVariable('DOTNET_CLI_TELEMETRY_OPTOUT', '1')
[System.Environment]::SetEnvironmentVariable('DOTNET_NOLOGO', '1')

# Progress goes to stderr, so stdout stays clean for whatever calls this script.
function Write-Log([string] $message) { [System.Console]::Error.WriteLine("==> $message") }

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

# The manifest is the one source of the version and export list; read it as data (no code runs), with the
# parser rather than Import-PowerShellDataFile, which the hosted engine lacks.
function Read-Manifest {
    $path = [System.IO.Path]::Combine($root, 'DiskTools.psd1')
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref] $tokens, [ref] $errors)
    if ($errors.Count -gt 0) { throw "$path is not valid: $($errors[0].Message)" }
    $hashtable = $ast.Find({ param($node) $node -is [System.Management.Automation.Language.HashtableAst] }, $false)
    $hashtable.SafeGetValue()
}

$manifest = Read-Manifest
$version = [string] $manifest.ModuleVersion
$moduleDir = [System.IO.Path]::Combine($OutputPath, 'DiskTools', $version)
$launcherDir = [System.IO.Path]::Combine($OutputPath, 'launcher')

function Reset-Directory([string] $path) {
    if ([System.IO.Directory]::Exists($path)) { [System.IO.Directory]::Delete($path, $true) }
    $null = [System.IO.Directory]::CreateDirectory($path)
}

function Copy-Files([string] $sourceDir, [string] $pattern, [string] $targetDir) {
    $null = [System.IO.Directory]::CreateDirectory($targetDir)
    foreach ($file in [System.IO.Directory]::GetFiles($sourceDir, $pattern)) {
        [System.IO.File]::Copy($file, [System.IO.Path]::Combine($targetDir, [System.IO.Path]::GetFileName($file)), $true)
    }
}

function Invoke-Build {
    Write-Log "DiskTools $version -> $moduleDir"
    Reset-Directory $moduleDir
    if ([System.IO.Directory]::Exists($launcherDir)) { [System.IO.Directory]::Delete($launcherDir, $true) }
    # The launcher's former folder; checked by its file, as on a case-insensitive file system it is DiskTools/.
    $formerLauncher = [System.IO.Path]::Combine($OutputPath, 'disktools')
    if ([System.IO.File]::Exists([System.IO.Path]::Combine($formerLauncher, 'disktools.dll'))) { [System.IO.Directory]::Delete($formerLauncher, $true) }
    $bin = [System.IO.Path]::Combine($moduleDir, 'bin')
    Invoke-Dotnet publish ([System.IO.Path]::Combine($root, 'src', 'DiskTools', 'DiskTools.csproj')) -c $Configuration -o $bin --nologo -v q --use-current-runtime --self-contained false '-p:PublishReadyToRun=true'
    Invoke-Dotnet publish ([System.IO.Path]::Combine($root, 'src', 'DiskTools.Loader', 'DiskTools.Loader.csproj')) -c $Configuration -o $bin --nologo -v q
    [System.IO.File]::Copy([System.IO.Path]::Combine($root, 'DiskTools.psd1'), [System.IO.Path]::Combine($moduleDir, 'DiskTools.psd1'), $true)
    $moduleSource = [System.IO.Path]::Combine($root, 'module')
    Copy-Files $moduleSource 'DiskTools.psm1' $moduleDir
    Copy-Files $moduleSource '*.ps1xml' $moduleDir
    Copy-Files ([System.IO.Path]::Combine($moduleSource, 'en-US')) '*' ([System.IO.Path]::Combine($moduleDir, 'en-US'))
    Invoke-Docs
    Invoke-Dotnet publish ([System.IO.Path]::Combine($root, 'src', 'DiskTools.Host', 'DiskTools.Host.csproj')) -c $Configuration -o $launcherDir --nologo -v q --use-current-runtime --self-contained false '-p:PublishReadyToRun=true'
    Write-Log "launcher: $([System.IO.Path]::Combine($launcherDir, 'disktools'))"
}

function Invoke-Docs {
    $docs = [System.IO.Path]::Combine($root, 'docs', 'en-US')
    $helpDir = [System.IO.Path]::Combine($moduleDir, 'en-US')
    $null = [System.IO.Directory]::CreateDirectory($helpDir)
    $platyPS = Get-Module -ListAvailable -Name platyPS
    if ($platyPS) {
        Write-Log "help: New-ExternalHelp (platyPS $(@($platyPS)[0].Version)) -> $helpDir"
        Import-Module -Name platyPS
        $null = New-ExternalHelp -Path $docs -OutputPath $helpDir -Force
    }
    else {
        Invoke-Dotnet run --project ([System.IO.Path]::Combine($root, 'build', 'HelpBuilder', 'HelpBuilder.csproj')) -c $Configuration -- `
            $docs ([System.IO.Path]::Combine($helpDir, 'DiskTools.dll-Help.xml'))
    }
}

function Invoke-Test {
    if (-not $NoBuild) { Invoke-Build }
    [System.Environment]::SetEnvironmentVariable('DISKTOOLS_OUTPUT', $OutputPath)
    $results = [System.IO.Path]::Combine($OutputPath, 'test-results')
    Reset-Directory $results
    $failed = [System.Collections.Generic.List[string]]::new()
    $projects = [System.Collections.Generic.List[string]]::new()
    $testsDir = [System.IO.Path]::Combine($root, 'tests')
    foreach ($dir in [System.IO.Directory]::GetDirectories($testsDir, '*.Tests')) {
        foreach ($project in [System.IO.Directory]::GetFiles($dir, '*.csproj')) {
            $name = [System.IO.Path]::GetFileNameWithoutExtension($project)
            $projects.Add($name)
            Write-Log "testing $name"
            & dotnet test $project -c $Configuration --nologo --logger "trx;LogFileName=$name.trx" --results-directory $results
            if ($LASTEXITCODE -ne 0) { $failed.Add($name) }
        }
    }
    if (-not (Invoke-PesterSuite $results)) { $failed.Add('Pester') }

    # The same one-line summary build.sh prints, over the TRX counters and the Pester counters.
    $passed = 0; $failedCount = 0; $skipped = 0
    foreach ($name in $projects) {
        $trx = [System.IO.Path]::Combine($results, "$name.trx")
        if (-not [System.IO.File]::Exists($trx)) { $failedCount++; continue }
        $counters = ([xml] [System.IO.File]::ReadAllText($trx)).TestRun.ResultSummary.Counters
        $passed += [int] $counters.passed; $failedCount += [int] $counters.failed
        $skipped += [int] $counters.total - [int] $counters.passed - [int] $counters.failed
    }
    $pesterCounters = [System.IO.Path]::Combine($results, 'Pester.counters')
    if ([System.IO.File]::Exists($pesterCounters)) {
        $p, $f, $s = [System.IO.File]::ReadAllText($pesterCounters).Trim().Split(' ')
        $passed += [int] $p; $failedCount += [int] $f; $skipped += [int] $s
    }
    else { $failedCount++ }
    [System.Console]::Out.WriteLine("Total: $passed passed, $failedCount failed, $skipped skipped")
    if ($failed.Count -gt 0) { throw "tests failed: $($failed -join ', ')" }
}

# The Pester suite in the pinned pwsh from tools/ (./build.sh deps installs it and Pester), as a child
# process so the suite imports the built module into a clean session.
function Invoke-PesterSuite([string] $results) {
    $pwsh = [System.IO.Path]::Combine($root, 'tools', 'pwsh', 'pwsh')
    $modules = [System.IO.Path]::Combine($root, 'tools', 'Modules')
    if (-not [System.IO.File]::Exists($pwsh) -or -not [System.IO.Directory]::Exists($modules)) {
        throw "pwsh or Pester is missing under $([System.IO.Path]::Combine($root, 'tools')): run ./build.sh deps"
    }
    Invoke-Dotnet publish ([System.IO.Path]::Combine($root, 'tests', 'DiskTools.TestFixtures', 'DiskTools.TestFixtures.csproj')) -c $Configuration -o ([System.IO.Path]::Combine($OutputPath, 'test-fixtures')) --nologo -v q
    Write-Log 'testing Pester suite'
    $previous = [System.Environment]::GetEnvironmentVariable('PSModulePath')
    [System.Environment]::SetEnvironmentVariable('PSModulePath', $modules)
    try {
        & $pwsh -NoProfile -NonInteractive -File ([System.IO.Path]::Combine($root, 'tests', 'Pester', 'Invoke-PesterSuite.ps1')) -OutputPath $OutputPath -ResultsPath $results
        $LASTEXITCODE -eq 0
    }
    finally { [System.Environment]::SetEnvironmentVariable('PSModulePath', $previous) }
}

# PSResourceGet (shipped with pwsh) writes the package from the manifest, so what Install-PSResource and
# Find-PSResource read is what PowerShell itself produces.
function Invoke-Package {
    if (-not $NoBuild) { Invoke-Build }
    if (-not [System.IO.File]::Exists([System.IO.Path]::Combine($moduleDir, 'DiskTools.psd1'))) {
        throw "No built module in $moduleDir; run the Build task first or drop -NoBuild."
    }
    if (-not (Get-Command -Name Compress-PSResource -ErrorAction Ignore)) {
        throw 'Package needs Compress-PSResource (Microsoft.PowerShell.PSResourceGet, shipped with pwsh 7.4 and later); run this script in pwsh, e.g. tools/pwsh/pwsh ./build.ps1 -Task Package.'
    }
    $null = [System.IO.Directory]::CreateDirectory($PackagePath)
    $package = [System.IO.Path]::Combine($PackagePath, "DiskTools.$version.nupkg")
    if ([System.IO.File]::Exists($package)) { [System.IO.File]::Delete($package) }
    Write-Log "package: $package"
    Compress-PSResource -Path $moduleDir -DestinationPath $PackagePath
    if (-not [System.IO.File]::Exists($package)) { throw "Compress-PSResource did not write $package" }
}

foreach ($name in $Task) {
    switch ($name) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Docs' { Invoke-Docs }
        'Package' { Invoke-Package }
    }
}
