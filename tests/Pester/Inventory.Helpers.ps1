# Shared by the Inventory*.Tests.ps1 files (dot-source after TestHelpers.ps1): a fresh database of the
# shared PostgreSQL fixture per test file, and the checks that a cmdlet's output works with the standard
# object cmdlets as users pipe it.

function New-InventoryTestDatabase {
    Import-TestFixtures
    [DiskTools.TestFixtures.PostgresCluster]::Shared.CreateDatabase([NullString]::Value)
}

function Remove-InventoryTestDatabase([string] $ConnectionString) {
    if (-not $ConnectionString) { return }
    $name = [regex]::Match($ConnectionString, '(?i)(?:^|;)Database=([^;]+)').Groups[1].Value
    [DiskTools.TestFixtures.PostgresCluster]::Shared.DropDatabase($name)
}

# One scalar from the database, through the fixtures' Npgsql (not the module's).
function Invoke-InventorySql([string] $ConnectionString, [string] $Sql) {
    $connection = [Npgsql.NpgsqlConnection]::new($ConnectionString)
    try {
        $connection.Open()
        $command = $connection.CreateCommand()
        $command.CommandText = $Sql
        $command.ExecuteScalar()
    } finally {
        $connection.Dispose()
    }
}

function New-InventoryTestTree([hashtable] $Files) {
    $root = [System.IO.Directory]::CreateTempSubdirectory('dt-inventory-').FullName
    foreach ($relative in $Files.Keys) {
        $path = Join-Path $root $relative
        $null = New-Item -ItemType Directory -Force -Path ([System.IO.Path]::GetDirectoryName($path))
        [System.IO.File]::WriteAllText($path, [string] $Files[$relative])
    }
    $root
}

function Get-CompletionText([string] $Line) {
    @((TabExpansion2 -inputScript $Line -cursorColumn $Line.Length).CompletionMatches | ForEach-Object CompletionText)
}

function Get-RenderedText($InputObject, [string] $Format = 'Table') {
    $text = if ($Format -eq 'List') { $InputObject | Format-List | Out-String -Width 250 } else { $InputObject | Format-Table | Out-String -Width 250 }
    $text
}

# What a user does with any output object: select, sort, group, sum, JSON, CSV, tables and lists, and a
# round trip through CliXml (as Start-Job and Invoke-Command do) that renders as the live object does.
function Assert-PipelineFriendly {
    param(
        [Parameter(Mandatory)] [object[]] $Objects,
        [Parameter(Mandatory)] [string] $TypeName,
        [Parameter(Mandatory)] [string] $KeyProperty,
        [Parameter(Mandatory)] [string] $NumericProperty
    )
    $Objects.Count | Should -BeGreaterThan 0
    foreach ($o in $Objects) { $o.PSObject.TypeNames[0] | Should -Be $TypeName; $o | Should -BeOfType $TypeName }
    $keys = @($Objects | ForEach-Object $KeyProperty)

    $selected = @($Objects | Select-Object $KeyProperty, $NumericProperty)
    $selected.Count | Should -Be $Objects.Count
    @($selected | ForEach-Object $KeyProperty) | Should -Be $keys

    $sorted = @($Objects | Sort-Object $NumericProperty, $KeyProperty -Descending | ForEach-Object $NumericProperty)
    $sorted | Should -Be @($Objects | ForEach-Object $NumericProperty | Sort-Object -Descending)

    $groups = @($Objects | Group-Object $KeyProperty)
    ($groups | Measure-Object Count -Sum).Sum | Should -Be $Objects.Count

    $sum = ($Objects | Measure-Object $NumericProperty -Sum).Sum
    $sum | Should -Be ([double] ($Objects | ForEach-Object { [double] $_.$NumericProperty } | Measure-Object -Sum).Sum)

    $json = $Objects | ConvertTo-Json -Depth 3 -WarningAction Stop
    @(($json | ConvertFrom-Json) | ForEach-Object $KeyProperty) | Should -Be $keys

    $csv = Join-Path ([System.IO.Path]::GetTempPath()) "dt-inventory-$([guid]::NewGuid().ToString('N')).csv"
    try {
        $Objects | Export-Csv -LiteralPath $csv
        $back = @(Import-Csv -LiteralPath $csv)
        @($back | ForEach-Object $KeyProperty) | Should -Be @($keys | ForEach-Object { [string] $_ })
        @($back | ForEach-Object $NumericProperty) | Should -Be @($Objects | ForEach-Object { [string] $_.$NumericProperty })
    } finally {
        Remove-Item -LiteralPath $csv -ErrorAction Ignore
    }

    $table = Get-RenderedText $Objects
    $table | Should -Not -Match '#ERR'
    $list = Get-RenderedText $Objects -Format List
    $list | Should -Not -Match '#ERR'
    foreach ($key in $keys) { $list | Should -Match ([regex]::Escape([string] $key)) }

    $xml = Join-Path ([System.IO.Path]::GetTempPath()) "dt-inventory-$([guid]::NewGuid().ToString('N')).xml"
    try {
        $Objects | Export-Clixml -LiteralPath $xml
        $restored = @(Import-Clixml -LiteralPath $xml)
        $restored[0].PSObject.TypeNames[0] | Should -Be "Deserialized.$TypeName"
        Get-RenderedText $restored | Should -Be $table -Because 'a deserialized object (Start-Job, Invoke-Command, Import-Clixml) renders as the live one'
        Get-RenderedText $restored -Format List | Should -Be $list
    } finally {
        Remove-Item -LiteralPath $xml -ErrorAction Ignore
    }
}

# The error record a user sees: id, category and target.
function Assert-ErrorRecord {
    param([Parameter(Mandatory)] $ErrorRecord, [Parameter(Mandatory)] [string] $Id, [Parameter(Mandatory)] [System.Management.Automation.ErrorCategory] $Category, $Target)
    $ErrorRecord | Should -BeOfType ([System.Management.Automation.ErrorRecord])
    $ErrorRecord.FullyQualifiedErrorId | Should -BeLike "$Id,*"
    $ErrorRecord.CategoryInfo.Category | Should -Be $Category
    if ($PSBoundParameters.ContainsKey('Target')) { $ErrorRecord.TargetObject | Should -Be $Target }
}

# A LucidLink audit line of one action on one path (entryPath as the trail writes it, from the root).
function Get-AuditLine([string] $Action, [string] $Path, [datetime] $When, [string] $User = 'ann', [string] $Target) {
    $micros = ($When.ToUniversalTime().Ticks - [datetime]::UnixEpoch.Ticks) / 10
    $targetField = if ($Target) { ',"targetPath":"' + $Target + '"' } else { '' }
    '{"timestamp":' + $micros + ',"user":{"name":"' + $User + '"},"operation":{"action":"' + $Action + '","entryPath":"' + $Path + '"' + $targetField + '}}'
}

# Appends audit lines to one active log of node n1 under the root; the log's path.
function Add-AuditLog([string] $Root, [string[]] $Lines) {
    $dir = Join-Path $Root '.lucid_audit/n1/2025/11'
    $null = New-Item -ItemType Directory -Force -Path $dir
    $log = Join-Path $dir '2025-11-29T14.30.22Z.log.active'
    [System.IO.File]::AppendAllText($log, (($Lines | ForEach-Object { "$_`n" }) -join ''))
    $log
}
