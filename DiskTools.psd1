@{
    RootModule           = 'DiskTools.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5b1f0d7e-3c1a-4f6e-9a57-2f8d4c9e6b10'
    Author               = 'DiskTools contributors'
    CompanyName          = 'DiskTools'
    Copyright            = '(c) DiskTools contributors. MIT License.'
    Description          = 'Storage administration for Linux: fast disk-usage scans, btrfs snapshots, SSH sync sessions and a PostgreSQL file inventory, as typed pipeline objects.'
    PowerShellVersion    = '7.6'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('DiskTools.format.ps1xml')
    TypesToProcess       = @('DiskTools.types.ps1xml')
    CmdletsToExport      = @(
        'Get-DiskToolsDependency'
        'Invoke-Reconciliation'
        'Get-FileRecord'
        'Get-ReconciliationOperation'
        'Get-ReconciliationStatus'
        'New-BtrfsSnapshot'
        'Get-BtrfsSnapshot'
        'Remove-BtrfsSnapshot'
        'Import-FileInventory'
        'Watch-LucidAudit'
        'Set-FileTierState'
        'Get-UnmatchedAuditEvent'
        'Get-DiskUsage'
        'Start-SyncSession'
        'Get-SyncSession'
        'New-SyncConfig'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @('Get-SyncOperation')
    PrivateData          = @{
        PSData = @{
            Tags       = @('disk', 'du', 'btrfs', 'snapshot', 'rsync', 'ssh', 'postgresql', 'inventory', 'Linux')
            LicenseUri = 'https://opensource.org/licenses/MIT'
        }
    }
}
