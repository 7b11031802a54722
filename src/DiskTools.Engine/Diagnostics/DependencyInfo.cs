namespace DiskTools.Engine.Diagnostics;

/// <summary>A third-party library DiskTools ships, as it is loaded in this process.</summary>
public sealed record DependencyInfo(string Name, Version Version, string InformationalVersion, string LoadContext, string Location);
