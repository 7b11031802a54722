using System.Globalization;
using System.Management.Automation.Host;

namespace DiskTools.Host.Hosting;

/// <summary>
/// The PSHost the engine talks to. A real host is what makes Out-Default format with the module's views
/// and route warnings/verbose/progress here. <c>exit N</c> at the top level of -Command arrives as
/// <see cref="SetShouldExit"/>.
/// </summary>
internal sealed class LauncherHost(ConsoleStreams console) : PSHost
{
    private readonly LauncherUserInterface ui = new(console);
    private readonly Guid instanceId = Guid.NewGuid();

    /// <summary>The code passed to <c>exit</c>, when the script called it.</summary>
    public int? RequestedExitCode { get; private set; }

    public override string Name => "DiskTools";

    public override Version Version { get; } = typeof(LauncherHost).Assembly.GetName().Version ?? new Version(0, 0);

    public override Guid InstanceId => instanceId;

    public override PSHostUserInterface UI => ui;

    internal LauncherUserInterface LauncherUI => ui;

    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

    public override void SetShouldExit(int exitCode) => RequestedExitCode = exitCode;

    public override void EnterNestedPrompt() =>
        throw new System.Management.Automation.PSNotSupportedException("disktools is not interactive: there is no nested prompt.");

    public override void ExitNestedPrompt()
    {
    }

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }
}
