# Helpers for the per-cmdlet suites (dot-source after TestHelpers.ps1).

# The text a user sees from Format-Table/Format-List. -DisplayError turns a failing view script block
# (a method call on a deserialized object, a null dereference) into #ERR instead of an empty cell, so a
# broken view is visible; wide so that columns are not cut by an 80-column default.
function Get-RenderedText {
    param(
        [Parameter(Mandatory, ValueFromPipeline)] [object] $InputObject,
        [ValidateSet('Table', 'List')] [string] $As = 'Table',
        [object[]] $Property
    )
    begin { $items = [System.Collections.Generic.List[object]]::new() }
    process { $items.Add($InputObject) }
    end {
        $format = @{ DisplayError = $true }
        if ($Property) { $format.Property = $Property }
        if ($As -eq 'Table') { $items | Format-Table @format | Out-String -Width 400 }
        else { $items | Format-List @format | Out-String -Width 400 }
    }
}

# A view that renders: the text holds every expected value and no #ERR.
function Assert-Rendered {
    param([Parameter(Mandatory)] [string] $Text, [string[]] $Expect = @())
    $Text | Should -Not -Match '#ERR' -Because 'every column of the view must render'
    $Text.Trim() | Should -Not -BeNullOrEmpty
    foreach ($value in $Expect) { $Text | Should -Match ([regex]::Escape($value)) }
}

# The completion texts TabExpansion2 offers at the end of $Line, as the prompt does on Tab.
function Get-CompletionText([string] $Line) {
    @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches.CompletionText)
}

# A fresh runspace in this pwsh with the built module imported, for what only a host sees: the progress
# stream, and PowerShell.Stop() (what Ctrl+C does). Returns the shell, its output collection and the handle.
function Start-HostedPipeline {
    param([Parameter(Mandatory)] [string] $Script, [object[]] $ArgumentList = @())
    $shell = [powershell]::Create()
    $null = $shell.AddScript("Import-Module '$((Get-TestModuleManifest).Replace("'", "''"))' -ErrorAction Stop").AddStatement()
    $null = $shell.AddScript($Script)
    foreach ($argument in $ArgumentList) { $null = $shell.AddArgument($argument) }
    $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
    $handle = $shell.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]] $null, $output)
    [pscustomobject]@{ Shell = $shell; Output = $output; Handle = $handle }
}

# Runs a script in a hosted runspace to the end; returns its output and streams.
function Invoke-HostedPipeline {
    param([Parameter(Mandatory)] [string] $Script, [object[]] $ArgumentList = @(), [double] $TimeoutSeconds = 120)
    $run = Start-HostedPipeline -Script $Script -ArgumentList $ArgumentList
    try {
        if (-not $run.Handle.AsyncWaitHandle.WaitOne([timespan]::FromSeconds($TimeoutSeconds))) {
            $run.Shell.Stop()
            throw "the hosted pipeline did not finish within $TimeoutSeconds s"
        }
        $terminating = $null
        try { $null = $run.Shell.EndInvoke($run.Handle) } catch { $terminating = $_ }
        [pscustomobject]@{
            Output = @($run.Output)
            Errors = @($run.Shell.Streams.Error)
            Progress = @($run.Shell.Streams.Progress)
            Warnings = @($run.Shell.Streams.Warning)
            Verbose = @($run.Shell.Streams.Verbose)
            Information = @($run.Shell.Streams.Information)
            Terminating = $terminating
        }
    } finally { $run.Shell.Dispose() }
}

# Every ErrorRecord in $Records must have this id (full), category and target.
function Assert-ErrorRecord {
    param(
        [Parameter(Mandatory)] [AllowNull()] $Record,
        [Parameter(Mandatory)] [string] $FullyQualifiedErrorId,
        [Parameter(Mandatory)] [System.Management.Automation.ErrorCategory] $Category,
        [AllowNull()] $TargetObject
    )
    $Record | Should -Not -BeNullOrEmpty
    $Record.FullyQualifiedErrorId | Should -BeExactly $FullyQualifiedErrorId
    $Record.CategoryInfo.Category | Should -Be $Category
    if ($PSBoundParameters.ContainsKey('TargetObject')) { $Record.TargetObject | Should -Be $TargetObject }
}
