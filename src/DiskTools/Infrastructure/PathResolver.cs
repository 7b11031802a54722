using Microsoft.PowerShell.Commands;

namespace DiskTools.Infrastructure;

/// <summary>
/// Resolves -Path (wildcards) and -LiteralPath arguments through the session's providers to file-system
/// paths. A path that matches nothing or belongs to another provider becomes one non-terminating error;
/// the other paths still resolve.
/// </summary>
internal static class PathResolver
{
    public static List<string> Resolve(PSCmdlet cmdlet, IEnumerable<string>? paths, bool literal, Action<ErrorRecord> reportError)
    {
        var resolved = new List<string>();
        foreach (string path in paths ?? [])
        {
            try
            {
                ProviderInfo provider;
                if (literal)
                {
                    string one = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
                    if (IsFileSystem(provider, path, reportError))
                    {
                        resolved.Add(one);
                    }

                    continue;
                }

                var matches = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
                if (!IsFileSystem(provider, path, reportError))
                {
                    continue;
                }

                if (matches.Count == 0)
                {
                    reportError(NotFound(path));
                }

                resolved.AddRange(matches);
            }
            catch (ItemNotFoundException e)
            {
                reportError(new ErrorRecord(e, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path));
            }
            catch (ProviderNotFoundException e)
            {
                reportError(new ErrorRecord(e, ErrorIds.NotFileSystemPath, ErrorCategory.InvalidArgument, path));
            }
            catch (System.Management.Automation.DriveNotFoundException e)
            {
                reportError(new ErrorRecord(e, ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path));
            }
        }

        return resolved;
    }

    /// <summary>
    /// One local file argument (a config, a key, a file to write) as a file-system path, resolved against the
    /// current location; a path of another provider is refused rather than taken as a relative file name.
    /// </summary>
    public static string ResolveLocalFile(PSCmdlet cmdlet, string path)
    {
        string resolved = cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out ProviderInfo provider, out _);
        return provider.ImplementingType == typeof(FileSystemProvider)
            ? resolved
            : throw new DiskToolsException(ErrorIds.NotFileSystemPath, ErrorKind.InvalidArgument, NotFileSystemMessage(path, provider), path);
    }

    private static string NotFileSystemMessage(string path, ProviderInfo provider)
        => $"'{path}' is {Article(provider.Name)} {provider.Name} path; DiskTools works on file-system paths only.";

    private static bool IsFileSystem(ProviderInfo provider, string path, Action<ErrorRecord> reportError)
    {
        if (provider.ImplementingType == typeof(FileSystemProvider))
        {
            return true;
        }

        reportError(new ErrorRecord(
            new ArgumentException(NotFileSystemMessage(path, provider)),
            ErrorIds.NotFileSystemPath,
            ErrorCategory.InvalidArgument,
            path));
        return false;
    }

    /// <summary>"an Environment path", "a Function path".</summary>
    private static string Article(string word) => word.Length > 0 && "AEIOUaeiou".Contains(word[0], StringComparison.Ordinal) ? "an" : "a";

    private static ErrorRecord NotFound(string path)
        => new(new ItemNotFoundException($"Cannot find path '{path}' because it does not exist."), ErrorIds.PathNotFound, ErrorCategory.ObjectNotFound, path);
}
