# The inventory's default views in real pwsh: a FileRecord formats the same whether it is live or came
# back from serialization (remoting, Export-Clixml), access history and tier state included.
BeforeAll {
    . $PSScriptRoot/TestHelpers.ps1
    Import-TestModule
    Import-TestFixtures
}

Describe 'Inventory views' {
    BeforeAll {
        $script:Root = Join-Path ([System.IO.Path]::GetTempPath()) ('dt-views-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory -Path $script:Root | Out-Null
    }

    AfterAll {
        Remove-Item -LiteralPath $script:Root -Recurse -Force -ErrorAction Ignore
    }

    It 'formats live and deserialized file records alike, with access history, tier state and mtimes past 2262' {
        Assert-TestPrerequisite -Available (Test-Path /usr/lib/postgresql) -Because 'PostgreSQL server binaries are needed'
        $connection = [DiskTools.TestFixtures.PostgresCluster]::Shared.CreateDatabase()
        $csv = Join-Path $script:Root 'baseline.csv'
        Set-Content -LiteralPath $csv -Value 'path,size,modified,accessed', 'far.txt,1,2300-06-01T12:00:00Z,2025-02-01T00:00:00Z'
        Import-FileInventory -Path $csv -Root $script:Root -ConnectionString $connection | Out-Null
        Set-FileTierState -Path $script:Root -FilePath far.txt -State Stubbed -ConnectionString $connection -Confirm:$false

        $live = Get-FileRecord $script:Root -ConnectionString $connection
        $clixml = Join-Path $script:Root 'records.xml'
        $live | Export-Clixml -LiteralPath $clixml
        $restored = Import-Clixml -LiteralPath $clixml
        $restored.PSTypeNames[0] | Should -Be 'Deserialized.DiskTools.Engine.Reconciliation.FileRecord'

        $liveTable = $live | Format-Table | Out-String -Width 250
        $restoredTable = $restored | Format-Table | Out-String -Width 250
        $restoredTable | Should -Be $liveTable
        $liveTable | Should -Match 'LastAccessed'
        $liveTable | Should -Match 'stubbed'
        $liveTable | Should -Match ('{0:yyyy-MM-dd HH:mm:ss}' -f ([datetimeoffset]'2300-06-01T12:00:00Z').LocalDateTime)
        $liveTable | Should -Match ('{0:yyyy-MM-dd}' -f ([datetimeoffset]'2025-02-01T00:00:00Z').LocalDateTime)
    }
}
