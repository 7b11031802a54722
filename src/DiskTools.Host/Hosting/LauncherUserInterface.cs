using System.Collections.ObjectModel;
using System.Management.Automation.Host;
using System.Security;
using DiskTools.Host.Progress;

namespace DiskTools.Host.Hosting;

/// <summary>
/// Where the engine's streams land. The engine calls WriteVerboseLine/WriteDebugLine/WriteWarningLine/
/// WriteInformation only when the matching preference (or common parameter) says to show them, so this
/// class just routes: output and information to stdout, warnings, verbose, debug and errors to stderr,
/// progress to the live bar (when stdout is a terminal) or nowhere.
/// </summary>
internal sealed class LauncherUserInterface : PSHostUserInterface, IHostUISupportsMultipleChoiceSelection
{
    private readonly ConsoleStreams console;
    private readonly ProgressDisplay? progress;

    public LauncherUserInterface(ConsoleStreams console)
    {
        this.console = console;
        LauncherRaw = new LauncherRawUserInterface(console);
        if (console.StdoutIsTerminal && Environment.GetEnvironmentVariable("TERM") != "dumb")
        {
            progress = new ProgressDisplay(console, () => LauncherRaw.Width);
            console.Attach(progress);
        }
    }

    internal LauncherRawUserInterface LauncherRaw { get; }

    internal ProgressDisplay? Progress => progress;

    public override PSHostRawUserInterface RawUI => LauncherRaw;

    // Lets the engine's $PSStyle rendering colour table headers etc. on a terminal and keeps pipes plain.
    public override bool SupportsVirtualTerminal => console.StdoutColor;

    public override void Write(string value) => console.Out(value);

    public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) =>
        console.Out(Colorize(value, foregroundColor));

    public override void WriteLine(string value) => console.Out(value + "\n");

    public override void WriteLine(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) =>
        console.Out(Colorize(value, foregroundColor) + "\n");

    public override void WriteErrorLine(string value) => console.ErrorLine(value, "91");

    public override void WriteWarningLine(string message) => console.ErrorLine("WARNING: " + message, "33");

    public override void WriteVerboseLine(string message) => console.ErrorLine("VERBOSE: " + message, "33");

    public override void WriteDebugLine(string message) => console.ErrorLine("DEBUG: " + message, "33");

    /// <summary>
    /// The engine hands every information record that is not ignored to this method (for hosts that keep or
    /// transcribe them), and separately writes the ones whose preference is Continue through WriteLine, and
    /// Write-Host messages through Write(colors). So showing here would print them twice or when not asked.
    /// </summary>
    public override void WriteInformation(InformationRecord record)
    {
    }

    public override void WriteProgress(long sourceId, ProgressRecord record) => progress?.Update(sourceId, record);

    public override string ReadLine() =>
        Console.In.ReadLine() ?? throw new PSInvalidOperationException("No more input: standard input is at its end.");

    public override SecureString ReadLineAsSecureString() =>
        throw new PSNotSupportedException("disktools is not interactive: it cannot read a secure string.");

    public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
    {
        WritePromptHeader(caption, message);
        Dictionary<string, PSObject> answers = new(StringComparer.OrdinalIgnoreCase);
        foreach (FieldDescription field in descriptions)
        {
            console.Out(field.Name + ": ");
            answers[field.Name] = PSObject.AsPSObject(ReadLine());
        }

        return answers;
    }

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
        throw new PSNotSupportedException("disktools is not interactive: pass a PSCredential instead of being prompted.");

    public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName,
        PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
        PromptForCredential(caption, message, userName, targetName);

    /// <summary>
    /// Confirmation prompts (-Confirm, ConfirmImpact above $ConfirmPreference) read one answer line from stdin,
    /// so `yes | disktools ...` and interactive use both work; at the end of input the prompt fails loudly
    /// instead of guessing.
    /// </summary>
    public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
    {
        Collection<int> picked = PromptForChoice(caption, message, choices, defaultChoice < 0 ? [] : [defaultChoice]);
        return picked.Count > 0 ? picked[0] : defaultChoice;
    }

    public Collection<int> PromptForChoice(string? caption, string? message, Collection<ChoiceDescription> choices, IEnumerable<int>? defaultChoices)
    {
        int[] defaults = defaultChoices?.ToArray() ?? [];
        WritePromptHeader(caption, message);
        string[] hotkeys = choices.Select(HotKey).ToArray();
        string menu = string.Join(" ", choices.Select((c, i) => $"[{hotkeys[i]}] {c.Label.Replace("&", string.Empty, StringComparison.Ordinal)}"));
        string defaultText = defaults.Length > 0 ? $" (default is \"{hotkeys[defaults[0]]}\")" : string.Empty;
        while (true)
        {
            console.Out($"{menu}{defaultText}: ");
            string answer = ReadLine().Trim();
            if (answer.Length == 0)
            {
                return [.. defaults];
            }

            int index = Array.FindIndex(hotkeys, h => string.Equals(h, answer, StringComparison.OrdinalIgnoreCase));
            if (index < 0)
            {
                index = choices.ToList().FindIndex(c =>
                    string.Equals(c.Label.Replace("&", string.Empty, StringComparison.Ordinal), answer, StringComparison.OrdinalIgnoreCase));
            }

            if (index >= 0)
            {
                return [index];
            }
        }
    }

    private void WritePromptHeader(string? caption, string? message)
    {
        if (!string.IsNullOrEmpty(caption))
        {
            console.Out(caption + "\n");
        }

        if (!string.IsNullOrEmpty(message))
        {
            console.Out(message + "\n");
        }
    }

    private static string HotKey(ChoiceDescription choice)
    {
        int amp = choice.Label.IndexOf('&', StringComparison.Ordinal);
        return amp >= 0 && amp + 1 < choice.Label.Length ? choice.Label[amp + 1].ToString().ToUpperInvariant() : choice.Label;
    }

    private string Colorize(string value, ConsoleColor color)
    {
        if (!console.StdoutColor || value.Length == 0)
        {
            return value;
        }

        string? sgr = color switch
        {
            ConsoleColor.Black => "30",
            ConsoleColor.DarkRed => "31",
            ConsoleColor.DarkGreen => "32",
            ConsoleColor.DarkYellow => "33",
            ConsoleColor.DarkBlue => "34",
            ConsoleColor.DarkMagenta => "35",
            ConsoleColor.DarkCyan => "36",
            ConsoleColor.DarkGray => "90",
            ConsoleColor.Red => "91",
            ConsoleColor.Green => "92",
            ConsoleColor.Yellow => "93",
            ConsoleColor.Blue => "94",
            ConsoleColor.Magenta => "95",
            ConsoleColor.Cyan => "96",
            ConsoleColor.White => "97",
            _ => null, // Gray: the terminal's own default colour
        };
        return sgr is null ? value : $"\u001b[{sgr}m{value}\u001b[0m";
    }
}
