using System.Diagnostics;
using DiskTools.Engine.Remoting;
using Xunit;

namespace DiskTools.Engine.Tests.Remoting;

public class ShellQuoteTests
{
    /// <summary>Names a subvolume, path or job could have that a shell would otherwise act on.</summary>
    private static readonly string[] HostileNames =
    [
        "",
        " ",
        "plain",
        "with space",
        "it's",
        "'",
        "''",
        "'\\''",
        "\"double\"",
        "x; touch /tmp/pwned",
        "$(touch /tmp/pwned)",
        "`touch /tmp/pwned`",
        "${HOME}",
        "$HOME",
        "a\nb",
        "line\n; touch /tmp/pwned\n",
        "tab\there",
        "back\\slash",
        "\\",
        "*",
        "?",
        "[a-z]",
        "~",
        "~root",
        "-n",
        "--",
        "a|b",
        "a&b",
        "a>b",
        "a<b",
        "(sub)",
        "{a,b}",
        "!event",
        "#comment",
        "ünïcødé ✓",
        "\r\n",
        "%s",
    ];

    public static TheoryData<string> Hostile => new(HostileNames);

    [Fact]
    public void QuotesEveryArgumentInSingleQuotes()
    {
        Assert.Equal("'plain'", ShellQuote.Quote("plain"));
        Assert.Equal("''", ShellQuote.Quote(string.Empty));
        Assert.Equal("'it'\\''s'", ShellQuote.Quote("it's"));
        Assert.Equal("'a b' 'c'", ShellQuote.Join(["a b", "c"]));
    }

    [Fact]
    public void RejectsNul()
    {
        Assert.Throws<ArgumentException>(() => ShellQuote.Quote("a\0b"));
    }

    [Theory]
    [MemberData(nameof(Hostile))]
    public void ShellParsesTheQuotedWordBackToTheSameArgument(string argument)
    {
        // A real POSIX shell parses the quoted text; printf shows exactly which words arrived.
        string script = "printf '%s\\0' " + ShellQuote.Quote(argument) + " " + ShellQuote.Quote("end");
        string output = RunSh(script);
        Assert.Equal(argument + "\0end\0", output);
    }

    [Fact]
    public void AllHostileArgumentsTogetherStaySeparateWords()
    {
        string[] all = HostileNames;
        string output = RunSh("printf '%s\\0' " + ShellQuote.Join(all));
        Assert.Equal(all, output.Split('\0')[..^1]);
    }

    [Fact]
    public void CommandLineToStringIsTheQuotedArgv()
    {
        var command = CommandLine.Create("btrfs", "subvolume", "snapshot", "-r", "/mnt/a b", "/x;y");
        Assert.Equal("'btrfs' 'subvolume' 'snapshot' '-r' '/mnt/a b' '/x;y'", command.ToString());
    }

    private static string RunSh(string script)
    {
        var start = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"sh failed: {error}");
        return output;
    }
}
