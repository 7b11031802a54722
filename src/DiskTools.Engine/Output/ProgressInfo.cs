namespace DiskTools.Engine.Output;

/// <summary>A progress update, independent of PowerShell's ProgressRecord.</summary>
/// <param name="ActivityId">Stable per activity; child activities name their parent.</param>
/// <param name="Activity">What is being done.</param>
/// <param name="Status">The current state, e.g. counts so far.</param>
/// <param name="PercentComplete">0–100, or -1 when unknown.</param>
/// <param name="CurrentOperation">The item being worked on, if any.</param>
/// <param name="ParentActivityId">The parent activity, or -1.</param>
/// <param name="Completed">True for the closing record of an activity.</param>
/// <param name="SecondsRemaining">Estimated seconds left, or -1.</param>
public sealed record ProgressInfo(
    int ActivityId,
    string Activity,
    string Status,
    int PercentComplete = -1,
    string? CurrentOperation = null,
    int ParentActivityId = -1,
    bool Completed = false,
    int SecondsRemaining = -1);
