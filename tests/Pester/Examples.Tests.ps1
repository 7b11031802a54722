# Every code example users read runs: each example of docs/en-US/*.md (## EXAMPLES, ### Example N) and
# each powershell and bash block of README.md is found automatically, parsed, bound, and executed against
# the real fixtures in a fresh pwsh (README's powershell blocks also through the launcher). What each needs
# is in Examples.Setup.ps1; a new example without an entry there fails until it has one and runs.
# Locally, DISKTOOLS_EXAMPLES='New-Btrfs*,README.md#bash:*' runs only the examples whose key is like one of
# the patterns (CI leaves it unset and runs them all).
BeforeDiscovery {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/Examples.Catalog.ps1
    $table = & $PSScriptRoot/Examples.Setup.ps1
    $only = if ($env:DISKTOOLS_EXAMPLES) { @($env:DISKTOOLS_EXAMPLES -split ',') } else { @('*') }
    $script:Examples = @(Get-DocumentedExample -RepositoryRoot $script:RepositoryRoot | Where-Object { $key = $_.Key; $only.Where({ $key -like $_ }) } | ForEach-Object {
            $entry = $table[$_.Key]
            @{
                Key = $_.Key; Title = $_.Title; Example = $_; Language = $_.Language
                BindOnly = [bool] ($entry -and $entry['Bind'])
                # NotInLauncher holds the reason a README block is for pwsh alone (a missing reason runs it there).
                InLauncher = $_.File -eq 'README.md' -and $_.Language -eq 'powershell' -and -not ($entry -and "$($entry['NotInLauncher'])".Trim())
            }
        })
}

BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    . $PSScriptRoot/Examples.Catalog.ps1
    Import-TestModule
    Import-TestFixtures
    $script:Table = & $PSScriptRoot/Examples.Setup.ps1
    $script:All = @(Get-DocumentedExample -RepositoryRoot $script:RepositoryRoot)

    function Assert-ExampleNeed([hashtable] $Entry) {
        $needs = @($Entry['Needs'])
        if ($needs | Where-Object { $_ -in 'Btrfs', 'Sync' }) { Assert-TestPrerequisite -Available (Test-IsRoot) -Because 'btrfs volumes need root (losetup, mount)' }
        if ('Sync' -in $needs) {
            Assert-TestPrerequisite -Available (Test-Executable rsync) -Because 'sync sessions need rsync'
            Assert-TestPrerequisite -Available (Test-Executable unshare) -Because 'the sync target''s sshd runs in a namespace of its own (unshare)'
        }
        if ('Postgres' -in $needs) { Assert-TestPrerequisite -Available (Test-Executable psql) -Because 'the examples query with psql' }
    }

    # The table's condition for pressing Ctrl+C; a query against a schema not made yet is simply "not yet".
    function Test-ExampleReady([hashtable] $Entry, [hashtable] $Context) {
        try { [bool] (& $Entry.Interrupt.When $Context) } catch { $false }
    }

    function Wait-ExampleReady($Started, [hashtable] $Entry, [hashtable] $Context) {
        try {
            $null = Wait-Until { $Started.Process.HasExited -or (Test-ExampleReady $Entry $Context) } -TimeoutSeconds 180 -Because $Entry.Interrupt.Because
        } catch {
            $Started.Process.Kill($true)
            throw "$_; output so far: $($Started.StandardOutput.Result) $($Started.StandardError.Result)"
        }
        if ($Started.Process.HasExited) {
            $Started.Process.WaitForExit()
            throw "the example ended by itself (exit $($Started.Process.ExitCode)) before it was ready for Ctrl+C: $($Started.StandardOutput.Result) $($Started.StandardError.Result)"
        }
        Send-ExampleInterrupt $Started.Process
    }

    function Assert-ExampleResult($Result, [hashtable] $Entry, [hashtable] $Context, [int] $ExitCode = 0, [switch] $Partial) {
        $shown = "exit $($Result.ExitCode)`n--- stdout`n$($Result.StandardOutput)`n--- stderr`n$($Result.StandardError)"
        # The launcher writes verbose output to stderr; anything else there is an error or a warning.
        $unexpected = @($Result.StandardError -split "`n" | Where-Object { $_.Trim() -and $_ -notmatch '^(VERBOSE|DEBUG): ' })
        if (-not $Entry['AllowErrors']) { $unexpected | Should -BeNullOrEmpty -Because "the example must write no error or warning ($shown)" }
        $Result.ExitCode | Should -Be $ExitCode -Because $shown
        $Result.StandardOutput | Should -Not -Match '#ERR' -Because 'every view renders'
        if ($Partial) { return }
        foreach ($pattern in @($Entry['Expect'])) { if ($pattern) { $Result.StandardOutput | Should -Match (Expand-ExampleTemplate -Escape $pattern $Context) -Because $shown } }
        foreach ($pattern in @($Entry['NotExpect'])) { if ($pattern) { $Result.StandardOutput | Should -Not -Match (Expand-ExampleTemplate -Escape $pattern $Context) -Because $shown } }
        if ($Entry['Check']) { & $Entry.Check $Context $Result }
    }

    # The table's statement, with the same substitutions the text got.
    function Get-InterruptedStatement([hashtable] $Entry, [hashtable] $Context) {
        $statement = $Entry.Interrupt.Statement
        foreach ($s in @($Entry['Substitute'])) { if ($s -and $statement.Contains($s.Find)) { $statement = $statement.Replace($s.Find, (Expand-ExampleTemplate $s.Replace $Context)) } }
        $statement
    }
}

Describe 'The documented examples' {
    It 'finds examples on every help page and in README' {
        $pages = Get-ChildItem -LiteralPath (Join-Path $script:RepositoryRoot 'docs/en-US') -Filter '*.md'
        foreach ($page in $pages) { @($script:All | Where-Object File -EQ $page.Name).Count | Should -BeGreaterThan 0 -Because "$($page.Name) has examples" }
        @($script:All | Where-Object Key -Like 'README.md#powershell:*').Count | Should -BeGreaterOrEqual 5
        $script:All | Where-Object { $_.Language -eq 'powershell' -and -not $_.Code.Trim() } | ForEach-Object Key | Should -BeNullOrEmpty -Because 'every example has a powershell code block'
    }

    It 'has no table entry for an example that no longer exists' {
        $script:Table.Keys | Where-Object { $_ -notin $script:All.Key } | Should -BeNullOrEmpty
    }
}

Describe '<Key>: <Title>' -ForEach $script:Examples {
    BeforeAll {
        $script:Entry = $script:Table[$Key]
    }

    It 'has an entry in the example table saying what it needs' {
        $script:Entry | Should -Not -BeNullOrEmpty -Because "add '$Key' to tests/Pester/Examples.Setup.ps1 with the environment it runs in"
        $reasons = @($script:Entry['Because']) + @($script:Entry['Substitute'] | Where-Object { $_ } | ForEach-Object { $_.Because })
        ($reasons -join '').Trim() | Should -Not -BeNullOrEmpty -Because 'the entry says why it is set up that way'
    }

    It 'parses' {
        Get-ExampleSyntaxError $Example | Should -BeNullOrEmpty
    }

    if ($Language -eq 'powershell') {
        It 'binds its arguments to the parameters' {
            $defined = @($script:Entry['Prologue'] | Where-Object { $_ } | ForEach-Object { [regex]::Matches($_, 'function\s+([\w-]+)') | ForEach-Object { $_.Groups[1].Value } })
            Get-ExampleBindingProblem $Example -Defined $defined | Should -BeNullOrEmpty
        }
    }

    if ($BindOnly) {
        It 'cannot run in the suite: the table says why' {
            $script:Entry.Bind | Should -Match '\w{3}'
        }
    } else {
        It "runs in $(if ($Language -eq 'bash') { 'bash' } else { 'pwsh' })" {
            $entry = $script:Entry
            $entry | Should -Not -BeNullOrEmpty -Because 'it needs an entry in the example table'
            Assert-ExampleNeed $entry
            $context = New-ExampleContext $entry
            try {
                if ($entry['Setup']) { & $entry.Setup $context }
                if ($entry['WorkingDirectory']) { $context.WorkingDirectory = Expand-ExampleTemplate $entry.WorkingDirectory $context }
                $text = Get-ExampleRunText $Example $entry $context
                if ($Language -eq 'bash') {
                    $started = Start-ExampleBash -Context $context -Text $text
                } else {
                    $started = Start-ExamplePwsh -Context $context -Text $text -Prologue (Expand-ExampleTemplate ([string] $entry['Prologue']) $context) -AllowedErrorIds @($entry['AllowErrors'] | Where-Object { $_ }) -NoImport:([bool] $entry['ImportsModule'])
                }
                if ($entry['Interrupt']) { Wait-ExampleReady $started $entry $context }
                $result = Wait-TestProcess $started -TimeoutSeconds 300
                Assert-ExampleResult $result $entry $context
            } finally {
                Remove-ExampleContext $context
            }
        }
    }

    if ($InLauncher -and -not $BindOnly) {
        It 'runs in the launcher (disktools -Command)' {
            $entry = $script:Entry
            Assert-ExampleNeed $entry
            $context = New-ExampleContext $entry
            try {
                if ($entry['Setup']) { & $entry.Setup $context }
                if ($entry['WorkingDirectory']) { $context.WorkingDirectory = Expand-ExampleTemplate $entry.WorkingDirectory $context }
                $text = Get-ExampleRunText $Example $entry $context
                $prologue = Expand-ExampleTemplate ([string] $entry['Prologue']) $context
                if ($entry['Interrupt']) {
                    # The launcher is not a prompt: Ctrl+C ends it (exit 130). So the statement that runs until
                    # Ctrl+C gets a launcher of its own, up to it; what follows runs in the next one.
                    $statement = Get-InterruptedStatement $entry $context
                    $at = $text.IndexOf($statement)
                    $at | Should -BeGreaterOrEqual 0 -Because "the table's interrupted statement '$statement' is in the example"
                    $started = Start-ExampleLauncher -Context $context -Text $text.Substring(0, $at + $statement.Length) -Prologue $prologue
                    Wait-ExampleReady $started $entry $context
                    $first = Wait-TestProcess $started -TimeoutSeconds 120
                    Assert-ExampleResult $first $entry $context -ExitCode 130 -Partial
                    $text = $text.Substring($at + $statement.Length)
                }
                $result = Wait-TestProcess (Start-ExampleLauncher -Context $context -Text $text -Prologue $prologue) -TimeoutSeconds 300
                if ($entry['Interrupt']) { $result.StandardOutput = $first.StandardOutput + $result.StandardOutput }
                Assert-ExampleResult $result $entry $context
            } finally {
                Remove-ExampleContext $context
            }
        }
    }
}
