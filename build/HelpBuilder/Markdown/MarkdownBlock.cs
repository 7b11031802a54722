namespace DiskTools.HelpBuilder.Markdown;

/// <summary>One structural piece of a help page; <see cref="Line"/> is 1-based, for error messages.</summary>
public abstract record MarkdownBlock(int Line);

/// <summary>An ATX heading (<c>## SYNOPSIS</c>): level 1 to 6 and its text.</summary>
public sealed record HeadingBlock(int Line, int Level, string Text) : MarkdownBlock(Line);

/// <summary>A fenced code block: the info string after the opening fence (e.g. <c>yaml</c>) and its content.</summary>
public sealed record FenceBlock(int Line, string Info, string Code) : MarkdownBlock(Line);

/// <summary>Consecutive non-blank text lines.</summary>
public sealed record ParagraphBlock(int Line, IReadOnlyList<string> Lines) : MarkdownBlock(Line);
