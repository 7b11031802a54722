# Shared by every *.Tests.ps1: dot-source it in BeforeAll (`. $PSScriptRoot/TestHelpers.ps1`).
# The module under test is the build output ($env:DISKTOOLS_OUTPUT, set by the runner), imported by
# its manifest exactly as a user imports it; the real-component fixtures are the same C# classes the
# xUnit tests use (tests/DiskTools.TestFixtures, published to <output>/test-fixtures).

Set-StrictMode -Version 3.0

$script:TestOutput = if ($env:DISKTOOLS_OUTPUT) { $env:DISKTOOLS_OUTPUT } else {
    [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../../output'))
}
$script:RepositoryRoot = [System.IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))

function Get-TestModuleManifest {
    $versions = @(Get-ChildItem -LiteralPath (Join-Path $script:TestOutput 'DiskTools') -Directory)
    if ($versions.Count -ne 1) { throw "expected one built DiskTools version under $script:TestOutput, found $($versions.Count); run ./build.sh build" }
    Join-Path $versions[0].FullName 'DiskTools.psd1'
}

function Import-TestModule {
    Import-Module (Get-TestModuleManifest) -Force -ErrorAction Stop -Global
}

# The pwsh that runs the suite, for tests that start a fresh one (signals, exit codes, clean imports).
# The dotnet tool's process is dotnet itself, so take the apphost beside the engine.
function Get-TestPwshPath {
    $apphost = Join-Path $PSHOME 'pwsh'
    if (Test-Path -LiteralPath $apphost -PathType Leaf) { return $apphost }
    (Get-Command -Name pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
}

function Get-TestLauncherPath {
    foreach ($candidate in @('launcher/disktools', 'disktools/disktools')) {
        $path = Join-Path $script:TestOutput $candidate
        if (Test-Path -LiteralPath $path -PathType Leaf) { return $path }
    }
    throw "no disktools launcher under $script:TestOutput; run ./build.sh build"
}

function Test-InCI { $env:CI -eq 'true' }

function Test-IsRoot { [System.Environment]::UserName -eq 'root' }

function Import-TestFixtures {
    if ('DiskTools.TestFixtures.Prerequisite' -as [type]) { return }
    $assembly = Join-Path $script:TestOutput 'test-fixtures/DiskTools.TestFixtures.dll'
    if (-not (Test-Path -LiteralPath $assembly)) { throw "$assembly is missing; ./build.sh test publishes it" }
    Add-Type -LiteralPath $assembly
}

# Locally a missing prerequisite skips the test and says why; with CI=true it fails, so nothing is
# silently skipped where it counts. Call it inside an It block.
function Assert-TestPrerequisite {
    param([Parameter(Mandatory)] [bool] $Available, [Parameter(Mandatory)] [string] $Because)
    if ($Available) { return }
    if (Test-InCI) { throw "Prerequisite missing in CI: $Because" }
    Set-ItResult -Skipped -Because $Because
}

function Test-Executable([string] $Name) { $null -ne (Get-Command -Name $Name -CommandType Application -ErrorAction Ignore) }

# Polls until the condition holds; no fixed sleeps in tests. Returns the condition's last truthy value.
function Wait-Until {
    param(
        [Parameter(Mandatory, Position = 0)] [scriptblock] $Condition,
        [double] $TimeoutSeconds = 10,
        [string] $Because = 'the condition'
    )
    $deadline = [System.Diagnostics.Stopwatch]::StartNew()
    while ($true) {
        $value = & $Condition
        if ($value) { return $value }
        if ($deadline.Elapsed.TotalSeconds -ge $TimeoutSeconds) { throw "timed out after $TimeoutSeconds s waiting for $Because" }
        [System.Threading.Thread]::Sleep(20)
    }
}

# Starts a fresh process (pwsh with the module, or the launcher) with its output captured, for tests of
# what a whole process does: signals, exit codes, what is left running.
function Start-TestProcess {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [Parameter(Mandatory)] [string[]] $ArgumentList,
        [hashtable] $Environment = @{}
    )
    $info = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($argument in $ArgumentList) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $info.UseShellExecute = $false
    $info.Environment['DISKTOOLS_OUTPUT'] = $script:TestOutput
    foreach ($key in $Environment.Keys) { $info.Environment[$key] = [string] $Environment[$key] }
    $process = [System.Diagnostics.Process]::new()
    $process.StartInfo = $info
    $stdout = [System.Text.StringBuilder]::new()
    $stderr = [System.Text.StringBuilder]::new()
    $null = $process.Start()
    # Read both streams on tasks so a chatty child never blocks on a full pipe.
    $outTask = $process.StandardOutput.ReadToEndAsync()
    $errTask = $process.StandardError.ReadToEndAsync()
    [pscustomobject]@{ Process = $process; StandardOutput = $outTask; StandardError = $errTask }
}

# A pwsh that imports the built module, then runs $Command.
function Start-TestPwsh {
    param([Parameter(Mandatory)] [string] $Command, [hashtable] $Environment = @{})
    $prologue = "Import-Module '$((Get-TestModuleManifest).Replace("'", "''"))' -ErrorAction Stop`n"
    Start-TestProcess -FilePath (Get-TestPwshPath) -ArgumentList @('-NoProfile', '-NonInteractive', '-Command', $prologue + $Command) -Environment $Environment
}

function Wait-TestProcess {
    param([Parameter(Mandatory)] $Started, [double] $TimeoutSeconds = 60)
    if (-not $Started.Process.WaitForExit([int] ($TimeoutSeconds * 1000))) {
        $Started.Process.Kill($true)
        throw "process $($Started.Process.Id) did not exit within $TimeoutSeconds s"
    }
    $Started.Process.WaitForExit()
    [pscustomobject]@{
        ExitCode = $Started.Process.ExitCode
        StandardOutput = $Started.StandardOutput.GetAwaiter().GetResult()
        StandardError = $Started.StandardError.GetAwaiter().GetResult()
    }
}

# Runs a command in a fresh pwsh with the module imported and returns exit code and output.
function Invoke-TestPwsh {
    param([Parameter(Mandatory)] [string] $Command, [double] $TimeoutSeconds = 60, [hashtable] $Environment = @{})
    Wait-TestProcess (Start-TestPwsh -Command $Command -Environment $Environment) -TimeoutSeconds $TimeoutSeconds
}

# Direct children of a process (from /proc), for "nothing outlives its cmdlet" checks.
function Get-ChildProcessId([int] $ParentId) {
    foreach ($dir in [System.IO.Directory]::GetDirectories('/proc')) {
        $name = [System.IO.Path]::GetFileName($dir)
        if ($name -notmatch '^\d+$') { continue }
        try { $stat = [System.IO.File]::ReadAllText("$dir/stat") } catch { continue }
        $fields = $stat.Substring($stat.LastIndexOf(')') + 2).Split(' ')
        if ([int] $fields[1] -eq $ParentId) { [int] $name }
    }
}

# Sends a POSIX signal by name (TERM, HUP, INT, KILL) with the system's kill.
function Send-TestSignal([int] $ProcessId, [string] $Signal) {
    & kill "-$Signal" $ProcessId
    if ($LASTEXITCODE -ne 0) { throw "kill -$Signal $ProcessId failed" }
}
