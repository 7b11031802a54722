namespace DiskTools.Module.Tests.Infrastructure;

/// <summary>Source-tree locations tests compare the built module against (docs, build scripts).</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding DiskTools.sln, found upwards from the test assembly.</summary>
    public static string Root
    {
        get
        {
            for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "DiskTools.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException($"No DiskTools.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>docs/en-US: one platyPS page per cmdlet.</summary>
    public static string HelpPages => Path.Combine(Root, "docs", "en-US");
}
