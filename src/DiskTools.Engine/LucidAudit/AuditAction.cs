namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// The operations a LucidLink client writes to its audit trail. The numeric values are stored in the
/// staging and unmatched tables, so they are fixed: never renumber, only append.
/// </summary>
public enum AuditAction : short
{
    FileRead = 1,
    FileWritten = 2,
    FileCreate = 3,
    FileDelete = 4,
    DirectoryCreate = 5,
    DirectoryDelete = 6,
    Move = 7,
    SymlinkCreate = 8,
    ExtendedAttributeSet = 9,
    ExtendedAttributeDelete = 10,
    Pin = 11,
    Unpin = 12,
    PreHydrate = 13,
}

/// <summary>What the inventory does with each action.</summary>
public static class AuditActions
{
    /// <summary>An action this build does not know (a newer client's): counted, never staged.</summary>
    public const AuditAction Unknown = 0;

    /// <summary>
    /// True for the actions that change an inventory record (access time, path or tier state) and so are
    /// staged. The rest (directory creation, symlinks, extended attributes, pinning) are counted as read
    /// and ignored: they say nothing about when a file's content was last used.
    /// </summary>
    public static bool AffectsInventory(AuditAction action) => action switch
    {
        AuditAction.FileRead or AuditAction.FileWritten or AuditAction.FileCreate or AuditAction.FileDelete
            or AuditAction.DirectoryDelete or AuditAction.Move or AuditAction.PreHydrate => true,
        _ => false,
    };

    /// <summary>True for the actions that count as a use of the file's content (last_accessed, access_count).</summary>
    public static bool IsAccess(AuditAction action)
        => action is AuditAction.FileRead or AuditAction.FileWritten;

    /// <summary>Parses the action name exactly as LucidLink writes it (case-sensitive: anything else is not understood).</summary>
    public static bool TryParse(ReadOnlySpan<byte> utf8, out AuditAction action)
    {
        action = utf8 switch
        {
            _ when utf8.SequenceEqual("FileRead"u8) => AuditAction.FileRead,
            _ when utf8.SequenceEqual("FileWritten"u8) => AuditAction.FileWritten,
            _ when utf8.SequenceEqual("FileCreate"u8) => AuditAction.FileCreate,
            _ when utf8.SequenceEqual("FileDelete"u8) => AuditAction.FileDelete,
            _ when utf8.SequenceEqual("DirectoryCreate"u8) => AuditAction.DirectoryCreate,
            _ when utf8.SequenceEqual("DirectoryDelete"u8) => AuditAction.DirectoryDelete,
            _ when utf8.SequenceEqual("Move"u8) => AuditAction.Move,
            _ when utf8.SequenceEqual("SymlinkCreate"u8) => AuditAction.SymlinkCreate,
            _ when utf8.SequenceEqual("ExtendedAttributeSet"u8) => AuditAction.ExtendedAttributeSet,
            _ when utf8.SequenceEqual("ExtendedAttributeDelete"u8) => AuditAction.ExtendedAttributeDelete,
            _ when utf8.SequenceEqual("Pin"u8) => AuditAction.Pin,
            _ when utf8.SequenceEqual("Unpin"u8) => AuditAction.Unpin,
            _ when utf8.SequenceEqual("PreHydrate"u8) => AuditAction.PreHydrate,
            _ => 0,
        };
        return action != 0;
    }
}

/// <summary>
/// The action codes as SQL literals, for statements over the staging and unmatched tables (which store the
/// numbers): a statement names each action it selects on, and the number comes from <see cref="AuditAction"/>.
/// </summary>
internal static class AuditActionSql
{
    public static readonly string FileRead = Code(AuditAction.FileRead);
    public static readonly string FileWritten = Code(AuditAction.FileWritten);
    public static readonly string FileCreate = Code(AuditAction.FileCreate);
    public static readonly string FileDelete = Code(AuditAction.FileDelete);
    public static readonly string DirectoryDelete = Code(AuditAction.DirectoryDelete);
    public static readonly string Move = Code(AuditAction.Move);
    public static readonly string PreHydrate = Code(AuditAction.PreHydrate);

    private static string Code(AuditAction action) => ((short)action).ToString(CultureInfo.InvariantCulture);
}
