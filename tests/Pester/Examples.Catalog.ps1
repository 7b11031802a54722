# Finds the code examples users read (docs/en-US/*.md under '## EXAMPLES', README.md's powershell and
# bash blocks), checks them statically, and runs them as a user would: in a fresh pwsh that reads the
# example from standard input line by line (pwsh -Command -), which is what typing or pasting it at the
# prompt does — each statement runs on its own, and Ctrl+C stops only the running one. README's powershell
# examples also run through the launcher (disktools -Command <text>), bash blocks through bash.
# Dot-sourced by Examples.Tests.ps1 after TestHelpers.ps1; the per-example environment is in Examples.Setup.ps1.

Set-StrictMode -Version 3.0

# One record per example: Key ('Get-DiskUsage.md#4', 'README.md#powershell: Sync sessions'), File, Number, Language,
# Title, Line (where its first code block starts) and Code (the block's text exactly as written).
function Get-DocumentedExample {
    param([Parameter(Mandatory)] [string] $RepositoryRoot)

    $found = [System.Collections.Generic.List[object]]::new()
    foreach ($page in Get-ChildItem -LiteralPath (Join-Path $RepositoryRoot 'docs/en-US') -Filter '*.md' | Sort-Object Name) {
        $section = ''; $example = $null; $fence = $null; $buffer = $null
        $lines = [System.IO.File]::ReadAllLines($page.FullName)
        for ($i = 0; $i -lt $lines.Count; $i++) {
            $line = $lines[$i]
            if ($null -ne $fence) {
                if ($line -match '^```\s*$') {
                    if ($fence -eq 'powershell' -and $null -ne $example) {
                        if ($example.Code.Length -gt 0) { $example.Code += "`n" }
                        $example.Code += ($buffer -join "`n")
                    }
                    $fence = $null
                } else { $buffer.Add($line) }
                continue
            }
            if ($line -match '^## (.+)$') { $section = $Matches[1].Trim(); $example = $null; continue }
            if ($section -ne 'EXAMPLES') { continue }
            if ($line -match '^### Example (\d+)\s*:?\s*(.*)$') {
                $example = [pscustomobject]@{
                    Key = "$($page.Name)#$($Matches[1])"; File = $page.Name; Number = [int] $Matches[1]
                    Language = 'powershell'; Title = $Matches[2].Trim(); Line = $i + 1; Code = ''
                }
                $found.Add($example)
                continue
            }
            if ($line -match '^```(\S*)\s*$') {
                $fence = $Matches[1].ToLowerInvariant(); $buffer = [System.Collections.Generic.List[string]]::new()
                if ($fence -eq 'powershell' -and $null -ne $example -and $example.Code.Length -eq 0) { $example.Line = $i + 2 }
            }
        }
    }

    $readme = Join-Path $RepositoryRoot 'README.md'
    $counts = @{}
    $lines = [System.IO.File]::ReadAllLines($readme)
    $heading = ''
    for ($i = 0; $i -lt $lines.Count; $i++) {
        if ($lines[$i] -match '^#+ (.+)$') { $heading = $Matches[1].Trim(); continue }
        if ($lines[$i] -notmatch '^```(powershell|bash)\s*$') { continue }
        $language = $Matches[1]
        $start = $i + 1
        $body = [System.Collections.Generic.List[string]]::new()
        for ($i++; $i -lt $lines.Count -and $lines[$i] -notmatch '^```\s*$'; $i++) { $body.Add($lines[$i]) }
        # Keyed by section, so a block added elsewhere does not renumber the others.
        $slot = "$language $heading"
        $counts[$slot] = 1 + [int] $counts[$slot]
        $key = "README.md#$language`: $heading" + $(if ($counts[$slot] -gt 1) { " ($($counts[$slot]))" } else { '' })
        $found.Add([pscustomobject]@{
            Key = $key; File = 'README.md'; Number = $counts[$slot]
            Language = $language; Title = $heading; Line = $start + 1; Code = $body -join "`n"
        })
    }
    $found
}

# Parse errors of a powershell example (as text), or bash -n's complaint for a bash one.
function Get-ExampleSyntaxError {
    param([Parameter(Mandatory)] $Example)
    if ($Example.Language -eq 'bash') {
        $out = $Example.Code | & bash -n 2>&1
        if ($LASTEXITCODE -ne 0) { return "bash -n: $out" }
        return
    }
    $errors = $null
    $null = [System.Management.Automation.Language.Parser]::ParseInput($Example.Code, [ref] $null, [ref] $errors)
    foreach ($e in $errors) { "line $($e.Extent.StartLineNumber): $($e.Message)" }
}

# What would go wrong before anything runs: arguments that do not bind to the cmdlet's parameters (names,
# positions, parameter sets — PowerShell's static binder, as tab completion uses it) and splatted
# variables the example never sets (`@home` splats $HOME, it does not name a subvolume).
function Get-ExampleBindingProblem {
    param([Parameter(Mandatory)] $Example, [string[]] $Defined = @())
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Example.Code, [ref] $null, [ref] $null)
    $assigned = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.AssignmentStatementAst] }, $true) |
            ForEach-Object { $_.Left.Find({ param($n) $n -is [System.Management.Automation.Language.VariableExpressionAst] }, $true) } |
            ForEach-Object { $_.VariablePath.UserPath }) + $Defined
    foreach ($splat in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.VariableExpressionAst] -and $n.Splatted }, $true)) {
        if ($splat.VariablePath.UserPath -notin $assigned) {
            "line $($splat.Extent.StartLineNumber): '$($splat.Extent.Text)' splats the variable `$$($splat.VariablePath.UserPath), which the example never sets (quote a name that starts with @)"
        }
    }
    foreach ($command in $ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.CommandAst] }, $true)) {
        $name = $command.GetCommandName()
        if (-not $name) { continue }
        $resolved = Get-Command -Name $name -CommandType Cmdlet, Function -ErrorAction Ignore | Select-Object -First 1
        if (-not $resolved) { continue }
        $binding = [System.Management.Automation.Language.StaticParameterBinder]::BindCommand($command, $true)
        foreach ($problem in $binding.BindingExceptions.GetEnumerator()) {
            "line $($command.Extent.StartLineNumber): $name $($problem.Key): $($problem.Value.BindingException.Message)"
        }
    }
}

# {{Name}} placeholders from the example's context.
function Expand-ExampleTemplate {
    param([AllowEmptyString()] [string] $Text, [Parameter(Mandatory)] [hashtable] $Context, [switch] $Escape)
    [regex]::Replace($Text, '\{\{(\w+)\}\}', {
            param($m)
            $name = $m.Groups[1].Value
            if (-not $Context.ContainsKey($name)) { throw "the example's context has no '$name' (placeholder {{$name}})" }
            if ($Escape) { [regex]::Escape([string] $Context[$name]) } else { [string] $Context[$name] }
        })
}

# The example's text with the table's documented substitutions applied; each must occur in the text.
function Get-ExampleRunText {
    param([Parameter(Mandatory)] $Example, [Parameter(Mandatory)] [hashtable] $Entry, [Parameter(Mandatory)] [hashtable] $Context)
    $text = $Example.Code
    foreach ($substitution in @($Entry['Substitute'])) {
        if ($null -eq $substitution) { continue }
        if (-not $text.Contains($substitution.Find)) {
            throw "$($Example.Key): the table substitutes '$($substitution.Find)', which the example no longer contains; update the table"
        }
        $text = $text.Replace($substitution.Find, (Expand-ExampleTemplate $substitution.Replace $Context))
    }
    $text
}

# Starts a process with exactly the environment changes given ($null removes a variable).
function Start-ExampleProcess {
    param(
        [Parameter(Mandatory)] [string] $FilePath,
        [string[]] $ArgumentList = @(),
        [hashtable] $Environment = @{},
        [Parameter(Mandatory)] [string] $WorkingDirectory,
        [string] $StandardInput
    )
    $info = [System.Diagnostics.ProcessStartInfo]::new($FilePath)
    foreach ($argument in $ArgumentList) { $info.ArgumentList.Add($argument) }
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.RedirectStandardInput = $true
    $info.UseShellExecute = $false
    $info.WorkingDirectory = $WorkingDirectory
    foreach ($key in $Environment.Keys) {
        if ($null -eq $Environment[$key]) { $null = $info.Environment.Remove($key) } else { $info.Environment[$key] = [string] $Environment[$key] }
    }
    $process = [System.Diagnostics.Process]::new()
    $process.StartInfo = $info
    $null = $process.Start()
    $started = [pscustomobject]@{ Process = $process; StandardOutput = $process.StandardOutput.ReadToEndAsync(); StandardError = $process.StandardError.ReadToEndAsync() }
    if ($PSBoundParameters.ContainsKey('StandardInput')) { $process.StandardInput.Write($StandardInput) }
    $process.StandardInput.Close()
    $started
}

# Ctrl+C as a terminal sends it. A child inherits an ignored SIGINT (a shell's background job), which would
# make the example wait forever: say so instead.
function Send-ExampleInterrupt([System.Diagnostics.Process] $Process) {
    $status = [System.IO.File]::ReadAllText("/proc/$($Process.Id)/status")
    if ($status -match 'SigIgn:\s*([0-9a-f]+)' -and (([Convert]::ToUInt64($Matches[1], 16) -band 2) -ne 0)) {
        throw "process $($Process.Id) ignores SIGINT (inherited from the shell that started the suite: run it in the foreground), so Ctrl+C cannot be tested"
    }
    Send-TestSignal -ProcessId $Process.Id -Signal INT
}

# The statements of a powershell example as a user would type them, top level, in order.
function Get-ExampleStatement([string] $Code) {
    $ast = [System.Management.Automation.Language.Parser]::ParseInput($Code, [ref] $null, [ref] $null)
    @($ast.EndBlock.Statements | ForEach-Object { $_.Extent.Text })
}

# What runs after the example in pwsh: every error record is a failure (except the ids the table expects),
# and so is a native command's non-zero exit code. pwsh -Command - records its own attempts to parse a
# statement before all its lines have arrived (IncompleteParseException); those are not the example's.
function Get-ExampleEpilogue([string[]] $AllowedErrorIds) {
    $allowed = ($AllowedErrorIds | ForEach-Object { "'$_'" }) -join ', '
    @"

`$__unexpected = @(`$Error | Where-Object { -not (`$_ -is [System.Management.Automation.IncompleteParseException]) } | Where-Object { `$__id = if (`$_ -is [System.Management.Automation.ErrorRecord]) { `$_.FullyQualifiedErrorId } else { '' }; -not (@($allowed).Where({ `$__id -like "`$_,*" -or `$__id -eq `$_ })) })
if (`$__unexpected.Count -gt 0) { [Console]::Error.WriteLine("EXAMPLE FAILED: `$(`$__unexpected.Count) error record(s)"); foreach (`$__e in `$__unexpected) { [Console]::Error.WriteLine((`$__e | Format-List * -Force | Out-String).Trim()) }; exit 1 }
if (`$global:LASTEXITCODE) { [Console]::Error.WriteLine("EXAMPLE FAILED: the last native command exited with `$global:LASTEXITCODE"); exit 2 }
exit 0
"@
}

# ------------------------------------------------------------------ the example's world

# A scratch directory (the working directory), a stand-in HOME in it, and the fixtures the entry needs.
function New-ExampleContext {
    param([Parameter(Mandatory)] [hashtable] $Entry)
    $scratch = [System.IO.Directory]::CreateTempSubdirectory('dt-example-').FullName
    $c = @{
        Scratch = $scratch; Home = "$scratch/home"; Output = $script:TestOutput; Repository = $script:RepositoryRoot
        Launcher = Get-TestLauncherPath; Disposables = [System.Collections.Generic.List[object]]::new()
        Environment = @{}
    }
    $null = New-Item -ItemType Directory -Path "$($c.Home)/.ssh", "$scratch/run"
    # Where ./output is the suite's build output itself, not a link to it: a module imported through a
    # link has another path than the one the launcher preloads, and PowerShell loads it a second time.
    $c.OutputParent = [System.IO.Path]::GetDirectoryName($script:TestOutput)
    $c.WorkingDirectory = $scratch
    $c.Environment = @{
        HOME = $c.Home; XDG_CONFIG_HOME = $null; XDG_DATA_HOME = $null; XDG_RUNTIME_DIR = "$scratch/run"
        TERM = 'dumb'; DISKTOOLS_CONNECTION = $null; PSModulePath = $null
    }
    $needs = @($Entry['Needs'])
    if ('Postgres' -in $needs) {
        $cluster = [DiskTools.TestFixtures.PostgresCluster]::Shared
        $c.Connection = $cluster.CreateDatabase([NullString]::Value)
        $c.Database = [regex]::Match($c.Connection, '(?i)(?:^|;)Database=([^;]+)').Groups[1].Value
        $c.Disposables.Add({ [DiskTools.TestFixtures.PostgresCluster]::Shared.DropDatabase($c.Database) }.GetNewClosure())
        $c.Environment.DISKTOOLS_CONNECTION = $c.Connection
        $c.Environment.PGHOST = $cluster.Host; $c.Environment.PGPORT = [string] $cluster.Port
        $c.Environment.PGUSER = $cluster.SuperUser; $c.Environment.PGDATABASE = $c.Database
    }
    if ('Btrfs' -in $needs) {
        $volume = [DiskTools.TestFixtures.BtrfsVolume]::Create(256MB, [string[]] @('@', '@home'))
        $c.Disposables.Add($volume)
        $c.Volume = $volume.MountPoint
        $c.Snapshots = "$($volume.MountPoint)/.snapshots"
        $null = New-Item -ItemType Directory -Path $c.Snapshots
    }
    if ('Ssh' -in $needs -or 'Sync' -in $needs) {
        # A sync session refuses a target that is this machine, so its sshd is another machine as far as a
        # session can tell (a mount namespace with its own machine id and /run); the others share one.
        if ('Sync' -in $needs) {
            $server = [DiskTools.TestFixtures.SshServer]::StartIsolated($null)
            $c.Disposables.Add($server)
        } else {
            $server = [DiskTools.TestFixtures.SshServer]::Shared
        }
        $c.SshPort = $server.Port; $c.SshKey = $server.PrivateKeyPath; $c.KnownHosts = $server.KnownHostsPath
        $config = "$($c.Home)/.ssh/config"
        Set-Content -LiteralPath $config -Value @"
Host nas backup-nas backup01
    HostName $($server.Host)
    Port $($server.Port)
    User $($server.UserName)
    IdentityFile $($server.PrivateKeyPath)
    IdentitiesOnly yes
    UserKnownHostsFile $($server.KnownHostsPath)
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    BatchMode yes
"@
        [System.IO.File]::SetUnixFileMode($config, [System.IO.UnixFileMode] 'UserRead, UserWrite')
    }
    if ('Sync' -in $needs) {
        $c.Environment.DISKTOOLS_RUNTIME_DIR = "$scratch/run/disktools"
        foreach ($side in 'Source', 'Target') {
            # The target's volume is mounted where the isolated sshd's namespace sees it too.
            $parent = if ($side -eq 'Target') { $server.SharedDirectory } else { [NullString]::Value }
            $volume = [DiskTools.TestFixtures.BtrfsVolume]::CreateUnder($parent, 256MB, [string[]] @('@data'))
            $c.Disposables.Add($volume)
            $c[$side] = $volume.MountPoint
            $null = New-Item -ItemType Directory -Path "$($volume.MountPoint)/.snapshots", "$($volume.MountPoint)/@data/photos"
        }
        Set-Content -LiteralPath "$($c.Source)/@data/photos/a.jpg" -Value 'a' -NoNewline
        $null = New-Item -ItemType Directory -Path "$($c.Home)/.config/disktools"
        $pair = { param($s, $t) "{ source: `"$s`", target: `"$t`" }" }
        Set-Content -LiteralPath "$($c.Home)/.config/disktools/sync.yaml" -Value @"
log_file_level: FULL
log_cli_level: INFO
disk:
  preflight_minimum: 5%
  runtime_minimum: 3%
  path: $(& $pair $c.Source $c.Target)
btrfs_snapshots:
  subvolumes: ["@data"]
  filesystem: $(& $pair $c.Source $c.Target)
  snapshot_directory: $(& $pair "$($c.Source)/.snapshots" "$($c.Target)/.snapshots")
  keep_recent: 2
sync_jobs:
  folder_sync: true
folder_sync:
  folders:
    - $(& $pair "$($c.Source)/@data/photos" "$($c.Target)/@data/photos")
"@
    }
    $c
}

function Remove-ExampleContext {
    param([hashtable] $Context)
    if (-not $Context) { return }
    $problems = @()
    for ($i = $Context.Disposables.Count - 1; $i -ge 0; $i--) {
        $resource = $Context.Disposables[$i]
        try { if ($resource -is [scriptblock]) { & $resource } else { $resource.Dispose() } } catch { $problems += $_ }
    }
    Remove-Item -LiteralPath $Context.Scratch -Recurse -Force -ErrorAction SilentlyContinue
    if ($problems) { throw "cleaning up the example failed: $($problems -join '; ')" }
}

# Runs a snippet as the example would (same environment, fresh pwsh); returns its output text, trimmed.
function Invoke-ExampleSnippet {
    param([Parameter(Mandatory)] [hashtable] $Context, [Parameter(Mandatory)] [string] $Text)
    $run = Invoke-ExamplePwsh -Context $Context -Text $Text
    if ($run.ExitCode -ne 0 -or $run.StandardError) { throw "setup snippet '$Text' failed ($($run.ExitCode)): $($run.StandardError)" }
    $run.StandardOutput.Trim()
}

# The example in a fresh pwsh reading it from standard input, as typed at the prompt.
function Start-ExamplePwsh {
    param([Parameter(Mandatory)] [hashtable] $Context, [Parameter(Mandatory)] [string] $Text, [string] $Prologue = '', [string[]] $AllowedErrorIds = @(), [switch] $NoImport)
    $import = if ($NoImport) { '' } else { "Import-Module '$((Get-TestModuleManifest).Replace("'", "''"))' -ErrorAction Stop" }
    # pwsh -Command - reads a statement per line and keeps reading only while a brace or quote is open, so
    # a statement that goes on over lines (a pipeline ending in |) is handed over as one dot-sourced block,
    # as a multi-line paste at the prompt runs it: same scope, same output, Ctrl+C stops it alone.
    $statements = foreach ($statement in Get-ExampleStatement $Text) {
        if ($statement.Contains("`n")) { ". {`n$statement`n}" } else { $statement }
    }
    $stdin = (@($import, $Prologue, '$Error.Clear()') + @($statements) + @('')) -join "`n"
    $stdin += Get-ExampleEpilogue $AllowedErrorIds
    $arguments = @('-NoProfile', '-NonInteractive', '-Command', '-')
    Start-ExampleProcess -FilePath (Get-TestPwshPath) -ArgumentList $arguments -Environment $Context.Environment -WorkingDirectory $Context.WorkingDirectory -StandardInput ($stdin + "`n")
}

function Invoke-ExamplePwsh {
    param([Parameter(Mandatory)] [hashtable] $Context, [Parameter(Mandatory)] [string] $Text, [string] $Prologue = '')
    Wait-TestProcess (Start-ExamplePwsh -Context $Context -Text $Text -Prologue $Prologue) -TimeoutSeconds 300
}

function Start-ExampleLauncher {
    param([Parameter(Mandatory)] [hashtable] $Context, [Parameter(Mandatory)] [string] $Text, [string] $Prologue = '')
    $script = (@($Prologue, $Text) | Where-Object { $_ }) -join "`n"
    Start-ExampleProcess -FilePath $Context.Launcher -ArgumentList @('-Command', $script) -Environment $Context.Environment -WorkingDirectory $Context.WorkingDirectory
}

function Start-ExampleBash {
    param([Parameter(Mandatory)] [hashtable] $Context, [Parameter(Mandatory)] [string] $Text)
    $environment = $Context.Environment.Clone()
    $environment.PATH = "$([System.IO.Path]::GetDirectoryName($Context.Launcher)):$env:PATH"
    Start-ExampleProcess -FilePath 'bash' -ArgumentList @('-e', '-o', 'pipefail', '-c', $Text) -Environment $environment -WorkingDirectory $Context.WorkingDirectory
}

# ------------------------------------------------------------------ fixture data the table uses

function New-ExampleTree {
    param([Parameter(Mandatory)] [string] $Root, [Parameter(Mandatory)] [hashtable] $Files)
    foreach ($relative in $Files.Keys) {
        $path = Join-Path $Root $relative
        $null = New-Item -ItemType Directory -Force -Path ([System.IO.Path]::GetDirectoryName($path))
        [System.IO.File]::WriteAllBytes($path, [byte[]]::new($Files[$relative]))
    }
}

# {{Photos}}: Photos/2024/a.jpg, Photos/2024/b.jpg, Photos/2023/c.jpg with distinct contents.
function New-ExamplePhotos([hashtable] $Context) {
    $Context.Photos = "$($Context.Scratch)/photos"
    foreach ($file in 'Photos/2024/a.jpg', 'Photos/2024/b.jpg', 'Photos/2023/c.jpg') {
        $path = Join-Path $Context.Photos $file
        $null = New-Item -ItemType Directory -Force -Path ([System.IO.Path]::GetDirectoryName($path))
        [System.IO.File]::WriteAllText($path, "content of $file")
    }
}

# A read-only snapshot named as DiskTools names them, with a chosen time (so retention has ages to work on).
function New-ExampleSnapshot {
    param([hashtable] $Context, [string] $Subvolume, [string] $Phase, [string] $Time, [string] $Session)
    $out = & btrfs subvolume snapshot -r "$($Context.Volume)/$Subvolume" "$($Context.Snapshots)/$Subvolume-$Phase-$Time-$Session" 2>&1
    if ($LASTEXITCODE -ne 0) { throw "btrfs subvolume snapshot failed: $out" }
}

function Invoke-ExampleSql {
    param([Parameter(Mandatory)] [hashtable] $Context, [Parameter(Mandatory)] [string] $Sql)
    $env = $Context.Environment
    $out = & psql -X -q -t -A -v ON_ERROR_STOP=1 -h $env.PGHOST -p $env.PGPORT -U $env.PGUSER -d $env.PGDATABASE -c $Sql 2>&1
    if ($LASTEXITCODE -ne 0) { throw "psql failed: $out" }
    $text = ($out | Out-String).Trim()
    if ($text -match '^-?\d+$') { [long] $text } else { $text }
}

# A baseline of three files below a filespace root, as a scanner writes it.
function New-ExampleCsv([string] $Path) {
    Set-Content -LiteralPath $Path -Value @(
        'path,size,modified,accessed'
        'cold.mov,10,2025-01-01T00:00:00Z,2025-01-01T00:00:00Z'
        'hot.txt,10,2025-01-01T00:00:00Z,2025-02-01T00:00:00Z'
        'docs/readme.md,5,2025-01-01T00:00:00Z,'
    )
}

function New-ExampleParquet([string] $Path, [switch] $BadRow) {
    $epoch = [datetime]::new(2025, 1, 1, 0, 0, 0, [System.DateTimeKind]::Utc)
    $paths = [string[]] @('cold.mov', $(if ($BadRow) { '../outside' } else { 'docs/readme.md' }), 'hot.txt')
    [DiskTools.TestFixtures.ParquetBaseline]::Write($Path, $paths, [System.Nullable[long][]] @(10, 5, 10),
        [System.Nullable[datetime][]] @($epoch, $epoch, $epoch), [System.Nullable[datetime][]] @($epoch, $null, $epoch))
}

# {{Filespace}}: a LucidLink filespace root with a .lucid_audit trail; -Baseline imports the inventory,
# -Events writes reads of cold.mov (by bob) and hot.txt, -Stubbed marks cold.mov stubbed, -Unmatched adds a
# read of a file the inventory does not know.
function New-ExampleFilespace {
    param([hashtable] $Context, [switch] $Baseline, [switch] $Events, [switch] $Stubbed, [switch] $Unmatched)
    $Context.Filespace = "$($Context.Scratch)/acme"
    $null = New-Item -ItemType Directory -Force -Path $Context.Filespace
    if ($Baseline) {
        New-ExampleCsv "$($Context.Scratch)/baseline.csv"
        $arguments = @{ Path = "$($Context.Scratch)/baseline.csv"; Root = $Context.Filespace; ConnectionString = $Context.Connection }
        Import-FileInventory @arguments -ErrorAction Stop | Out-Null
    }
    if ($Stubbed) {
        if (-not $Baseline) {
            New-ExampleCsv "$($Context.Scratch)/stub-baseline.csv"
            Import-FileInventory -Path "$($Context.Scratch)/stub-baseline.csv" -Root $Context.Filespace -ConnectionString $Context.Connection -ErrorAction Stop | Out-Null
        }
        $null = Invoke-ExampleSql $Context "UPDATE file_records SET tier_state = 'stubbed' WHERE file_path = 'cold.mov'"
    }
    if ($Events) {
        $when = [datetime]::new(2025, 11, 29, 14, 31, 0, [System.DateTimeKind]::Utc)
        $micros = ($when.Ticks - [datetime]::UnixEpoch.Ticks) / 10
        $line = { param($path, $user) '{"timestamp":' + $micros + ',"user":{"name":"' + $user + '"},"operation":{"action":"FileRead","entryPath":"' + $path + '"}}' }
        $lines = @((& $line '/cold.mov' 'bob'), (& $line '/hot.txt' 'ann'))
        if ($Unmatched) { $lines += & $line '/unknown.txt' 'ann' }
        $dir = "$($Context.Filespace)/.lucid_audit/node1/2025/11"
        $null = New-Item -ItemType Directory -Force -Path $dir
        [System.IO.File]::WriteAllText("$dir/2025-11-29T14.30.22Z.log.active", ($lines -join "`n") + "`n")
    }
}

