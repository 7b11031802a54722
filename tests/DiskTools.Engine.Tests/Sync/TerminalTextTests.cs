using DiskTools.Engine.Output;
using Xunit;

namespace DiskTools.Engine.Tests.Sync;

public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("ev\u001b]0;pwned\u0007il", @"ev\x1B]0;pwned\x07il")]
    [InlineData("a\rb\nc\td", @"a\x0Db\x0Ac\x09d")]
    [InlineData("x\u009b2Jy\u007f", @"x\x9B2Jy\x7F")]
    [InlineData("abc\u202Etxt.exe\u200B", @"abc\u202Etxt.exe\u200B")]
    [InlineData("Grüße/日本/a b", "Grüße/日本/a b")]
    public void Control_and_invisible_characters_become_visible_escapes(string raw, string shown)
        => Assert.Equal(shown, TerminalText.Escape(raw));

    [Fact]
    public void EscapeLines_keeps_line_breaks_only()
        => Assert.Equal("one\ntwo\\x1B[2K", TerminalText.EscapeLines("one\ntwo\u001b[2K"));
}
