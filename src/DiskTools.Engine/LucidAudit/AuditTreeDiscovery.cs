namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// Finds the audit logs of a filespace: <c>&lt;root&gt;/.lucid_audit/&lt;node_id&gt;/&lt;yyyy&gt;/&lt;mm&gt;/&lt;begin&gt;.log</c>
/// and <c>.log.active</c>. Anything else in the tree (other names, other depths) is reported to
/// <c>onIgnored</c> and left alone: only the documented layout is trusted.
/// </summary>
public static class AuditTreeDiscovery
{
    public const string AuditFolderName = ".lucid_audit";
    public const string RotatedExtension = ".log";
    public const string ActiveExtension = ".log.active";

    /// <summary>The audit folder of a root (a mounted filespace).</summary>
    public static string AuditFolder(string root) => Path.Combine(root, AuditFolderName);

    /// <summary>
    /// Every audit log under the root, ordered by node and begin time. When a log is seen both as
    /// <c>.log.active</c> and <c>.log</c> (a rename caught half-way by a listing), the rotated name wins.
    /// </summary>
    public static IReadOnlyList<AuditLogFile> Discover(string root, Action<string, string>? onIgnored = null)
    {
        string auditRoot = AuditFolder(root);
        var found = new Dictionary<(string Node, string Stem), AuditLogFile>();
        if (!Directory.Exists(auditRoot))
        {
            return [];
        }

        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = 0 };
        foreach (string nodeDir in Directory.EnumerateDirectories(auditRoot, "*", options))
        {
            string nodeId = Path.GetFileName(nodeDir);
            foreach (string yearDir in Directory.EnumerateDirectories(nodeDir, "*", options))
            {
                if (!IsDigits(Path.GetFileName(yearDir), 4))
                {
                    onIgnored?.Invoke(yearDir, "not a yyyy folder");
                    continue;
                }

                foreach (string monthDir in Directory.EnumerateDirectories(yearDir, "*", options))
                {
                    string month = Path.GetFileName(monthDir);
                    if (!IsDigits(month, 2) || month is "00" || int.Parse(month, CultureInfo.InvariantCulture) > 12)
                    {
                        onIgnored?.Invoke(monthDir, "not an mm folder");
                        continue;
                    }

                    foreach (FileInfo file in new DirectoryInfo(monthDir).EnumerateFiles("*", options))
                    {
                        if (!TryParseName(file.Name, out string stem, out DateTime begin, out bool active))
                        {
                            onIgnored?.Invoke(file.FullName, "not named <begin>.log or <begin>.log.active");
                            continue;
                        }

                        var log = new AuditLogFile(
                            file.FullName,
                            Path.GetRelativePath(root, file.FullName).Replace(Path.DirectorySeparatorChar, '/'),
                            nodeId,
                            stem,
                            begin,
                            active,
                            file.Length);
                        if (!found.TryGetValue((nodeId, stem), out AuditLogFile? other) || (other.IsActive && !active))
                        {
                            found[(nodeId, stem)] = log;
                        }
                    }
                }
            }
        }

        return [.. found.Values.OrderBy(f => f.NodeId, StringComparer.Ordinal).ThenBy(f => f.BeginUtc)];
    }

    /// <summary>Parses "2025-11-29T14.30.22Z.log" or "….log.active" into its begin stem and time.</summary>
    public static bool TryParseName(string fileName, out string stem, out DateTime beginUtc, out bool active)
    {
        active = fileName.EndsWith(ActiveExtension, StringComparison.Ordinal);
        stem = active
            ? fileName[..^ActiveExtension.Length]
            : fileName.EndsWith(RotatedExtension, StringComparison.Ordinal) ? fileName[..^RotatedExtension.Length] : string.Empty;
        beginUtc = default;
        return stem.Length > 0 && TryParseStem(stem, out beginUtc);
    }

    /// <summary>Parses a begin stem such as "2025-11-29T14.30.22Z" (UTC).</summary>
    public static bool TryParseStem(string stem, out DateTime beginUtc)
        => DateTime.TryParseExact(
            stem,
            "yyyy-MM-dd'T'HH'.'mm'.'ss'Z'",
            CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
            out beginUtc);

    /// <summary>The begin stem for a time, as the client names its logs.</summary>
    public static string FormatStem(DateTime beginUtc)
        => beginUtc.ToUniversalTime().ToString("yyyy-MM-dd'T'HH'.'mm'.'ss'Z'", CultureInfo.InvariantCulture);

    private static bool IsDigits(string text, int length)
        => text.Length == length && text.All(char.IsAsciiDigit);
}
