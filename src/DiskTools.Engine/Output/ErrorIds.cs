namespace DiskTools.Engine.Output;

/// <summary>
/// Every stable error id DiskTools reports, in one place. Each becomes the first part of an error's
/// FullyQualifiedErrorId, which scripts match on, so a value never changes once released; each const is named by
/// its value so a reference reads as the id users see.
/// </summary>
public static class ErrorIds
{
    // Paths a cmdlet is given, and walking a tree from its root.
    public const string NotFileSystemPath = "NotFileSystemPath";
    public const string PathNotFound = "PathNotFound";
    public const string PermissionDenied = "PermissionDenied";
    public const string RootUnreadable = "RootUnreadable";

    // Get-DiskUsage.
    public const string DiskUsagePermissionDenied = "DiskUsagePermissionDenied";
    public const string DiskUsageReadError = "DiskUsageReadError";

    // Path filters and exclusions.
    public const string InvalidExcludePattern = "InvalidExcludePattern";
    public const string InvalidFilterPattern = "InvalidFilterPattern";

    // Running commands on this machine or over SSH, and reaching hosts.
    public const string CommandStartFailed = "CommandStartFailed";
    public const string CommandTimedOut = "CommandTimedOut";
    public const string FileTransferFailed = "FileTransferFailed";
    public const string HostUnreachable = "HostUnreachable";
    public const string InvalidSshConfig = "InvalidSshConfig";
    public const string SshAuthenticationFailed = "SshAuthenticationFailed";
    public const string SshConnectionLost = "SshConnectionLost";
    public const string SshHostKeyMismatch = "SshHostKeyMismatch";
    public const string SshHostKeyRevoked = "SshHostKeyRevoked";
    public const string SshHostKeyUnknown = "SshHostKeyUnknown";
    public const string SshHostNameInvalid = "SshHostNameInvalid";
    public const string SshIdentityFileNotFound = "SshIdentityFileNotFound";

    // Btrfs snapshots.
    public const string BtrfsCommandFailed = "BtrfsCommandFailed";
    public const string BtrfsPermissionDenied = "BtrfsPermissionDenied";
    public const string BtrfsProgsNotFound = "BtrfsProgsNotFound";
    public const string FileSystemPathNotFound = "FileSystemPathNotFound";
    public const string InvalidSnapshotArgument = "InvalidSnapshotArgument";
    public const string NotADiskToolsSnapshot = "NotADiskToolsSnapshot";
    public const string NotBtrfsFileSystem = "NotBtrfsFileSystem";
    public const string SnapshotAlreadyExists = "SnapshotAlreadyExists";
    public const string SnapshotDirectoryNotFound = "SnapshotDirectoryNotFound";
    public const string SnapshotDirectoryOnOtherFileSystem = "SnapshotDirectoryOnOtherFileSystem";
    public const string SnapshotNotFound = "SnapshotNotFound";
    public const string SubvolumeNotFound = "SubvolumeNotFound";
    public const string SubvolumeNotMounted = "SubvolumeNotMounted";

    // The inventory database: connecting, its schema and its registered roots.
    public const string InventoryAuthenticationFailed = "InventoryAuthenticationFailed";
    public const string InventoryConnectionLost = "InventoryConnectionLost";
    public const string InventoryConnectionMissing = "InventoryConnectionMissing";
    public const string InventoryConnectionStringInvalid = "InventoryConnectionStringInvalid";
    public const string InventoryDatabaseNotFound = "InventoryDatabaseNotFound";
    public const string InventoryDatabaseUnreachable = "InventoryDatabaseUnreachable";
    public const string InventoryMigrationFailed = "InventoryMigrationFailed";
    public const string InventoryRootNotFound = "InventoryRootNotFound";
    public const string InventoryRootRegistrationFailed = "InventoryRootRegistrationFailed";
    public const string InventorySchemaMigrationModified = "InventorySchemaMigrationModified";
    public const string InventorySchemaTooNew = "InventorySchemaTooNew";

    // Importing an inventory file.
    public const string InventoryImportFailed = "InventoryImportFailed";
    public const string InventoryImportRowInvalid = "InventoryImportRowInvalid";
    public const string InventoryImportSourceInvalid = "InventoryImportSourceInvalid";

    // Reconciliation passes and watching a root.
    public const string FileRecordNotFound = "FileRecordNotFound";
    public const string InotifyInstanceLimitReached = "InotifyInstanceLimitReached";
    public const string InotifyWatchLimitReached = "InotifyWatchLimitReached";
    public const string InvalidContentHash = "InvalidContentHash";
    public const string InvalidInterval = "InvalidInterval";
    public const string InventoryHashReadError = "InventoryHashReadError";
    public const string InventoryPathNotUtf8 = "InventoryPathNotUtf8";
    public const string InventoryWalkError = "InventoryWalkError";
    public const string ReconciliationFailed = "ReconciliationFailed";
    public const string ReconciliationInProgress = "ReconciliationInProgress";
    public const string ReconciliationRemovalThresholdExceeded = "ReconciliationRemovalThresholdExceeded";
    public const string ReconciliationRootEmpty = "ReconciliationRootEmpty";
    public const string ReconciliationRootFilesystemChanged = "ReconciliationRootFilesystemChanged";
    public const string ReconciliationRootIsSymlink = "ReconciliationRootIsSymlink";
    public const string ReconciliationRootMissing = "ReconciliationRootMissing";
    public const string ReconciliationRootNotDirectory = "ReconciliationRootNotDirectory";
    public const string ReconciliationWatchInProgress = "ReconciliationWatchInProgress";

    // Ingesting lucid audit logs.
    public const string LucidAuditCursorMoved = "LucidAuditCursorMoved";
    public const string LucidAuditIngestInProgress = "LucidAuditIngestInProgress";
    public const string LucidAuditLineMalformed = "LucidAuditLineMalformed";
    public const string LucidAuditLogChanged = "LucidAuditLogChanged";
    public const string LucidAuditLogUnreadable = "LucidAuditLogUnreadable";
    public const string LucidAuditPassFailed = "LucidAuditPassFailed";
    public const string LucidAuditRootNotDirectory = "LucidAuditRootNotDirectory";
    public const string LucidAuditRootOwnedByOtherTenant = "LucidAuditRootOwnedByOtherTenant";

    // Sync config files.
    public const string SyncConfigExists = "SyncConfigExists";
    public const string SyncConfigInvalid = "SyncConfigInvalid";
    public const string SyncConfigNotAFile = "SyncConfigNotAFile";
    public const string SyncConfigNotFound = "SyncConfigNotFound";
    public const string SyncConfigPathIsDirectory = "SyncConfigPathIsDirectory";
    public const string SyncConfigTooLarge = "SyncConfigTooLarge";
    public const string SyncConfigUnreadable = "SyncConfigUnreadable";
    public const string SyncConfigWriteFailed = "SyncConfigWriteFailed";

    // Sync session safety: locks, runtime directory, free space, host checks.
    public const string DiskSpaceCritical = "DiskSpaceCritical";
    public const string DiskSpaceUnknown = "DiskSpaceUnknown";
    public const string SyncLockFailed = "SyncLockFailed";
    public const string SyncPrerequisiteMissing = "SyncPrerequisiteMissing";
    public const string SyncRuntimeDirectoryFailed = "SyncRuntimeDirectoryFailed";
    public const string SyncRuntimeDirectoryUnsafe = "SyncRuntimeDirectoryUnsafe";
    public const string SyncSessionLocked = "SyncSessionLocked";
    public const string SyncTargetIsSource = "SyncTargetIsSource";

    // Sync jobs.
    public const string RsyncFailed = "RsyncFailed";
    public const string RsyncStatsMissing = "RsyncStatsMissing";
    public const string SyncJobFailed = "SyncJobFailed";
    public const string SyncPathUnresolved = "SyncPathUnresolved";
    public const string SyncTransportUnavailable = "SyncTransportUnavailable";

    // Sync sessions and their log.
    public const string SyncCritical = "SyncCritical";
    public const string SyncError = "SyncError";
    public const string SyncErrorsLogged = "SyncErrorsLogged";
    public const string SyncJobNotConfigured = "SyncJobNotConfigured";
    public const string SyncSessionNotFound = "SyncSessionNotFound";
    public const string SyncTargetLockLost = "SyncTargetLockLost";
    public const string SyncValidationFailed = "SyncValidationFailed";
}
