using System.Text;
using System.Text.RegularExpressions;
using DiskTools.Engine.Output;
using DiskTools.Engine.Patterns;
using DiskTools.Engine.Reconciliation;
using Xunit;

namespace DiskTools.Engine.Tests.Patterns;

public sealed class PathPatternTests
{
    private static bool Matches(string pattern, string relativePath, bool isDirectory = false)
        => new PathPattern(pattern).Matches(relativePath, isDirectory);

    [Theory]
    [InlineData("*.log", "app.log", true)]
    [InlineData("*.log", "var/log/app.log", true)]
    [InlineData("*.log", "app.log.1", false)]
    [InlineData("*", "anything", true)]
    [InlineData("a*b*c", "aXXbYYc", true)]
    [InlineData("a*b*c", "aXXbYY", false)]
    [InlineData("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("?.txt", "a.txt", true)]
    [InlineData("?.txt", "ab.txt", false)]
    [InlineData("?.txt", "é.txt", true)]
    [InlineData("[abc].c", "b.c", true)]
    [InlineData("[abc].c", "d.c", false)]
    [InlineData("[a-f]?", "e9", true)]
    [InlineData("[!a-f]?", "e9", false)]
    [InlineData("[^a-f]?", "z9", true)]
    [InlineData("[]]x", "]x", true)]
    [InlineData("[!]]x", "]x", false)]
    [InlineData("[[]1]", "[1]", true)]
    [InlineData("[*]", "*", true)]
    [InlineData("[*]", "a", false)]
    [InlineData("[é-ë]", "ê", true)]
    [InlineData("Thumbs.db", "thumbs.db", false)]
    public void Wildcards_match_one_name(string pattern, string path, bool expected)
        => Assert.Equal(expected, Matches(pattern, path));

    [Theory]
    [InlineData("build", "build", true)]
    [InlineData("build", "src/build", true)]
    [InlineData("/build", "build", true)]
    [InlineData("/build", "src/build", false)]
    [InlineData("src/*.c", "src/main.c", true)]
    [InlineData("src/*.c", "lib/src/main.c", false)]
    [InlineData("src/*.c", "src/sub/main.c", false)]
    [InlineData("/src/*.c", "src/main.c", true)]
    [InlineData("*/cache", "a/cache", true)]
    [InlineData("*/cache", "a/b/cache", false)]
    public void A_pattern_without_a_slash_matches_names_and_one_with_a_slash_is_anchored(string pattern, string path, bool expected)
        => Assert.Equal(expected, Matches(pattern, path));

    [Theory]
    [InlineData("**/tmp", "tmp", true)]
    [InlineData("**/tmp", "a/b/tmp", true)]
    [InlineData("a/**/b", "a/b", true)]
    [InlineData("a/**/b", "a/x/y/b", true)]
    [InlineData("a/**/b", "c/a/x/b", false)]
    [InlineData("logs/**", "logs", false)]
    [InlineData("logs/**", "logs/x", true)]
    [InlineData("logs/**", "logs/x/y.log", true)]
    [InlineData("**", "a/b/c", true)]
    [InlineData("a**b", "a/b", false)]
    [InlineData("a**b", "axxb", true)]
    public void Globstar_crosses_directories_only_as_a_whole_name(string pattern, string path, bool expected)
        => Assert.Equal(expected, Matches(pattern, path));

    [Fact]
    public void A_trailing_slash_matches_directories_only()
    {
        Assert.True(Matches("node_modules/", "web/node_modules", isDirectory: true));
        Assert.False(Matches("node_modules/", "web/node_modules", isDirectory: false));
        Assert.True(Matches("/inbox/", "inbox", isDirectory: true));
        Assert.False(Matches("/inbox/", "sub/inbox", isDirectory: true));
    }

    [Fact]
    public void A_pattern_that_matches_a_directory_matches_everything_below_it()
    {
        var cache = new PathPattern("cache");
        Assert.True(cache.MatchesWithin("cache/deep/c.txt", isDirectory: false));
        Assert.True(cache.MatchesWithin("a/cache/c.txt", isDirectory: false));
        Assert.False(cache.MatchesWithin("cached/c.txt", isDirectory: false));
        Assert.False(new PathPattern("cache/").MatchesWithin("a/cache", isDirectory: false));
        Assert.True(new PathPattern("cache/").MatchesWithin("a/cache/f", isDirectory: false));
        Assert.True(new PathPattern("photos/*").MatchesWithin("photos/2024/b.jpg", isDirectory: false));
    }

    [Fact]
    public void Names_that_are_not_UTF8_are_matched_by_byte_and_never_crash()
    {
        var star = new PathPattern("bad*");
        byte[] bad = [(byte)'b', (byte)'a', (byte)'d', 0xFF, (byte)'.', (byte)'t'];
        Assert.True(star.Matches([], bad, isDirectory: false));
        Assert.True(new PathPattern("bad?.t").Matches([], bad, isDirectory: false));
        Assert.True(new PathPattern("bad[!x].t").Matches([], bad, isDirectory: false));
        Assert.False(new PathPattern("bad[x].t").Matches([], bad, isDirectory: false));
        Assert.True(new PathPattern("dir/*.t").Matches("dir"u8, bad, isDirectory: false));
        Assert.True(new PathPattern("*.t").Matches([0xC3, 0x28], bad, isDirectory: false));
        Assert.False(new PathPattern("?").Matches([], [0xE2, 0x82], isDirectory: false));
    }

    [Theory]
    [InlineData("name with spaces", "dir/name with spaces")]
    [InlineData("a+b(c)$^.{1}|x", "a+b(c)$^.{1}|x")]
    [InlineData("back\\slash", "back\\slash")]
    [InlineData("new\nline", "new\nline")]
    [InlineData("日本語*", "日本語.txt")]
    public void Odd_characters_are_literal(string pattern, string path)
        => Assert.True(Matches(pattern, path));

    [Theory]
    [InlineData("a[", "position 2")]
    [InlineData("/x/[ab", "position 4")]
    [InlineData("[]", "position 1")]
    public void An_unclosed_class_is_refused_with_its_position(string pattern, string where)
    {
        DiskToolsException e = Assert.Throws<DiskToolsException>(() => new PathPattern(pattern, "Filter"));
        Assert.Equal(ErrorIds.InvalidFilterPattern, e.ErrorId);
        Assert.Contains(where, e.Message, StringComparison.Ordinal);
        Assert.Contains("-Filter pattern", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("//")]
    public void An_empty_pattern_is_refused(string pattern)
        => Assert.Equal(ErrorIds.InvalidExcludePattern, Assert.Throws<DiskToolsException>(() => new PathPattern(pattern)).ErrorId);

    public static TheoryData<string> RegexPatterns => new()
    {
        "*.jpg", "photos/**", "photos/*", "/a.txt", "a.txt", "**/2024/*", "a/**/b", "cold/", "[!a-c]*", "[]]*", "x+y (1).txt", "?",
    };

    [Theory]
    [MemberData(nameof(RegexPatterns))]
    public void The_query_regex_agrees_with_the_matcher_on_files(string text)
    {
        var pattern = new PathPattern(text, "Filter");
        var regex = new Regex(pattern.PathRegex, RegexOptions.CultureInvariant);
        string[] paths = ["a.txt", "b/a.txt", "photos/a.jpg", "photos/2024/b.jpg", "x/photos/c.jpg", "cold/a.mov", "cold/sub/b.mov", "a/b", "a/x/y/b", "a/b/c",
            "]x", "zeta", "x+y (1).txt", "q", "2024/q.png", "deep/2024/x/y"];
        foreach (string path in paths)
        {
            Assert.True(pattern.MatchesWithin(path, isDirectory: false) == regex.IsMatch(path), $"'{text}' on '{path}': matcher {pattern.MatchesWithin(path, false)}, regex {pattern.PathRegex}");
        }
    }

    [Theory]
    [InlineData(".git", true, true)]
    [InlineData("a/.DS_Store", false, true)]
    [InlineData("notes.txt~", false, true)]
    [InlineData("x.TMP", false, true)]
    [InlineData("y.Temp", false, true)]
    [InlineData("THUMBS.DB", false, true)]
    [InlineData("inbox", true, true)]
    [InlineData("inbox", false, false)]
    [InlineData("sub/inbox", true, false)]
    [InlineData(".lumilio", true, true)]
    [InlineData("keep/a.jpg", false, false)]
    [InlineData("template.txt", false, false)]
    public void The_default_ignore_rules_are_patterns_of_the_same_language(string path, bool isDirectory, bool ignored)
    {
        string name = path[(path.LastIndexOf('/') + 1)..];
        Assert.Equal(ignored, new IgnoreRules(null).IsIgnored(path, name, isDirectory));
    }

    [Fact]
    public void Exclude_patterns_add_to_the_defaults_and_cover_the_subtree_of_a_directory()
    {
        var rules = new IgnoreRules(["*.part", "cache/**", "build/"]);
        Assert.True(rules.IsIgnored("keep/a.part", "a.part", isDirectory: false));
        Assert.True(rules.IsUnderIgnoredDirectory("x/build/out/a.o"));
        Assert.True(rules.IsIgnored("cache/deep", "deep", isDirectory: true));
        Assert.False(rules.IsIgnored("cache", "cache", isDirectory: true));
        Assert.False(rules.IsUnderIgnoredDirectory("keep/a.jpg"));
        Assert.True(rules.IsIgnoredByDefault([], ".hidden"u8, isDirectory: false));
        Assert.False(rules.IsIgnoredByDefault("sub"u8, "inbox"u8, isDirectory: true));
        Assert.True(rules.IsExcluded("keep"u8, Encoding.UTF8.GetBytes("a.part"), isDirectory: false));
    }
}
