#Requires -Version 7.4
<#
.SYNOPSIS
    Runs every tests/Pester/*.Tests.ps1 against the built module and writes the results.

.DESCRIPTION
    The module is imported from -OutputPath (the build output, as a user imports it); the shared fixtures
    assembly comes from <OutputPath>/test-fixtures. Writes <ResultsPath>/Pester.xml (NUnit) and
    <ResultsPath>/Pester.counters ("passed failed skipped", one line, for the build's Total line).
    Exits 0 only when every test passed and none was skipped or left not run.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $OutputPath,
    [Parameter(Mandatory)] [string] $ResultsPath,
    # Only the test files whose name matches (for a quick local run); CI runs them all.
    [string[]] $Include = @('*')
)

$ErrorActionPreference = 'Stop'
# -File passes "a,b" as one string: accept a comma-separated list too.
$Include = @($Include | ForEach-Object { $_ -split "," } | Where-Object { $_ })
$env:DISKTOOLS_OUTPUT = [System.IO.Path]::GetFullPath($OutputPath)
$null = New-Item -ItemType Directory -Force -Path $ResultsPath

Import-Module Pester -RequiredVersion 5.7.1

$files = Get-ChildItem -LiteralPath $PSScriptRoot -Filter '*.Tests.ps1' |
    Where-Object { $name = $_.Name; $Include.Where({ $name -like "$_.Tests.ps1" -or $name -like $_ }).Count -gt 0 }
# A mistyped -Include must not pass as an empty, green run.
if (@($files).Count -eq 0) {
    [System.IO.File]::WriteAllText((Join-Path $ResultsPath 'Pester.counters'), "0 1 0`n")
    Write-Error "No test file under $PSScriptRoot matches -Include $($Include -join ',')." -ErrorAction Continue
    exit 1
}

$configuration = New-PesterConfiguration
$configuration.Run.Path = @($files.FullName)
$configuration.Run.PassThru = $true
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = Join-Path $ResultsPath 'Pester.xml'
$configuration.Should.ErrorAction = 'Continue'

$result = Invoke-Pester -Configuration $configuration

# A container that failed in BeforeAll or did not parse leaves its tests NotRun; they count as failures.
$failed = $result.FailedCount + $result.NotRunCount + $result.FailedBlocksCount + $result.FailedContainersCount
$line = '{0} {1} {2}' -f $result.PassedCount, $failed, $result.SkippedCount
[System.IO.File]::WriteAllText((Join-Path $ResultsPath 'Pester.counters'), $line + "`n")
if ($failed -gt 0 -or ($env:CI -eq 'true' -and $result.SkippedCount -gt 0)) { exit 1 }
exit 0
