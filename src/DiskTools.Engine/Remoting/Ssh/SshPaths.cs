namespace DiskTools.Engine.Remoting.Ssh;

/// <summary>
/// The home directory and the expansions OpenSSH applies to file names: <c>ssh -G</c> prints IdentityFile,
/// UserKnownHostsFile and IdentityAgent as written, with ~ and %-tokens still in them.
/// </summary>
internal static class SshPaths
{
    public static string HomeDirectory => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    /// <summary>Expands ~ and the %-tokens ssh_config allows in file names (%d %h %n %p %r %u %%).</summary>
    public static string Expand(string value, string alias, string hostName, string? user, int? port)
        => ExpandTilde(ExpandTokens(value, alias, hostName, user, port));

    private static string ExpandTilde(string path)
        => path == "~" ? HomeDirectory
            : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(HomeDirectory, path[2..])
            : path;

    private static string ExpandTokens(string value, string alias, string hostName, string? user, int? port)
    {
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return value;
        }

        var builder = new StringBuilder();
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] != '%' || i + 1 == value.Length)
            {
                builder.Append(value[i]);
                continue;
            }

            char token = value[++i];
            builder.Append(token switch
            {
                '%' => "%",
                'd' => HomeDirectory,
                'h' => hostName,
                'n' => alias,
                'p' => (port ?? 22).ToString(CultureInfo.InvariantCulture),
                'r' => user ?? Environment.UserName,
                'u' => Environment.UserName,
                _ => "%" + token,
            });
        }

        return builder.ToString();
    }
}
