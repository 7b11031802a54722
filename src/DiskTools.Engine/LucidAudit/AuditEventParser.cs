using System.Text.Json;
using System.Text.Unicode;

namespace DiskTools.Engine.LucidAudit;

/// <summary>
/// Parses one NDJSON line of a LucidLink audit trail, strictly. Public parsers read the fields as nested
/// objects (<c>{"operation":{"action":…}}</c>); log shippers flatten them to dotted keys
/// (<c>{"operation.action":…}</c>). Both are accepted, even mixed, but a field given twice is an error,
/// as is a wrong type, a missing timestamp/action/entry path, a path that leaves the filespace, a NUL
/// character in a kept text (PostgreSQL text cannot hold one), or anything after the object. Unknown
/// fields are ignored so newer clients still parse; so is an action this build does not know: such an
/// event parses with action 0 (<see cref="AuditActions.Unknown"/>) and its name in the error text, and is
/// counted as unknown rather than malformed.
/// </summary>
public static class AuditEventParser
{
    private enum Field
    {
        None = -1,
        Timestamp,
        UserName,
        UserId,
        DeviceHostName,
        DeviceOsName,
        DeviceOsVersion,
        Filespace,
        NodeId,
        FilespaceUuid,
        Action,
        EntryPath,
        TargetPath,
        FileId,
        Count,
    }

    private static readonly JsonReaderOptions Options = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 16 };

    /// <summary>
    /// Parses <paramref name="line"/>; on failure <paramref name="error"/> says why. An event whose action
    /// is not known parses with action <see cref="AuditActions.Unknown"/>, no paths, and
    /// <paramref name="error"/> naming the action.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out AuditEvent auditEvent, out string? error)
    {
        auditEvent = default;
        var values = new FieldValues { MaterializeAll = true };
        if (!TryRead(line, ref values, out error) || !Validate(ref values, out string? entryPath, out string? targetPath, out error))
        {
            return false;
        }

        error = values.Action == AuditActions.Unknown ? values.UnknownAction : null;
        auditEvent = new AuditEvent(
            values.Timestamp,
            values.Action,
            entryPath!,
            targetPath,
            values.Strings[(int)Field.FileId],
            values.Strings[(int)Field.UserName],
            values.Strings[(int)Field.UserId],
            values.Strings[(int)Field.DeviceHostName],
            values.Strings[(int)Field.DeviceOsName],
            values.Strings[(int)Field.DeviceOsVersion],
            values.Strings[(int)Field.Filespace],
            values.Strings[(int)Field.NodeId],
            values.Strings[(int)Field.FilespaceUuid]);
        return true;
    }

    /// <summary>
    /// Parses <paramref name="line"/> exactly as strictly as <see cref="TryParse"/> but keeps only what staging
    /// needs: the other string fields are checked without being turned into strings, which is most of the
    /// cost of a line when a backlog of millions is ingested.
    /// </summary>
    public static bool TryParseStaged(ReadOnlySpan<byte> line, long lineNumber, out StagedAuditEvent staged, out string? error)
    {
        staged = default;
        var values = new FieldValues { MaterializeAll = false };
        if (!TryRead(line, ref values, out error) || !Validate(ref values, out string? entryPath, out string? targetPath, out error))
        {
            return false;
        }

        error = values.Action == AuditActions.Unknown ? values.UnknownAction : null;
        staged = new StagedAuditEvent(lineNumber, values.Timestamp, values.Action, entryPath ?? string.Empty, targetPath, values.Strings[(int)Field.UserName]);
        return true;
    }

    private static bool TryRead(ReadOnlySpan<byte> line, ref FieldValues values, out string? error)
    {
        bool objectDone = false;
        try
        {
            var reader = new Utf8JsonReader(line, isFinalBlock: true, state: new JsonReaderState(Options));
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "not a JSON object";
                return false;
            }

            if (!ReadObject(ref reader, group: default, ref values, out error))
            {
                return false;
            }

            objectDone = true;
            if (reader.Read())
            {
                error = "unexpected content after the event object";
                return false;
            }

            return true;
        }
        catch (JsonException e)
        {
            error = objectDone ? "unexpected content after the event object" : $"invalid JSON at byte {e.BytePositionInLine}";
            return false;
        }
    }

    private static bool ReadObject(ref Utf8JsonReader reader, ReadOnlySpan<byte> group, ref FieldValues values, out string? error)
    {
        Span<byte> nameBuffer = stackalloc byte[128];
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                error = null;
                return true;
            }

            // Property names are short ASCII in practice; a longer or escaped one simply matches nothing.
            int nameLength = reader.HasValueSequence || reader.ValueIsEscaped || reader.ValueSpan.Length > 64
                ? 0
                : reader.ValueSpan.Length;
            ReadOnlySpan<byte> name = reader.ValueSpan[..nameLength];
            reader.Read();

            if (group.IsEmpty && reader.TokenType == JsonTokenType.StartObject && IsGroup(name))
            {
                if (!ReadObject(ref reader, name, ref values, out error))
                {
                    return false;
                }

                continue;
            }

            scoped ReadOnlySpan<byte> dotted = name;
            if (!group.IsEmpty)
            {
                group.CopyTo(nameBuffer);
                nameBuffer[group.Length] = (byte)'.';
                name.CopyTo(nameBuffer[(group.Length + 1)..]);
                dotted = nameBuffer[..(group.Length + 1 + name.Length)];
            }

            Field field = nameLength == 0 ? Field.None : Lookup(dotted);
            if (field == Field.None)
            {
                reader.Skip();
                continue;
            }

            if (!values.Claim(field))
            {
                error = $"field '{Name(field)}' appears more than once";
                return false;
            }

            if (field == Field.Timestamp)
            {
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long micros))
                {
                    error = "'timestamp' is not an integer number of microseconds";
                    return false;
                }

                values.Timestamp = micros;
                continue;
            }

            if (field == Field.Action)
            {
                if (reader.TokenType != JsonTokenType.String)
                {
                    error = "'operation.action' is not a string";
                    return false;
                }

                if (reader.ValueIsEscaped || !AuditActions.TryParse(reader.ValueSpan, out AuditAction action))
                {
                    // A newer client's action: valid, just not one this build acts on.
                    if (!TryReadString(ref reader, keep: true, out string? actionName))
                    {
                        error = "'operation.action' is not valid UTF-8 text";
                        return false;
                    }

                    values.Action = AuditActions.Unknown;
                    values.UnknownAction = $"unknown action '{Shorten(actionName!)}'";
                    continue;
                }

                values.Action = action;
                continue;
            }

            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.String)
            {
                error = $"'{Name(field)}' is not a string";
                return false;
            }

            if (!TryReadString(ref reader, values.MaterializeAll || IsStaged(field), out string? text))
            {
                error = $"'{Name(field)}' is not valid UTF-8 text";
                return false;
            }

            if (text is not null && text.Contains('\0') && IsStaged(field))
            {
                // Staged text goes to PostgreSQL, whose text type cannot hold NUL: the line cannot be kept.
                error = $"'{Name(field)}' contains a NUL character";
                return false;
            }

            values.Strings[(int)field] = text;
        }

        error = "unterminated object";
        return false;
    }

    /// <summary>
    /// Reads a string value. Invalid UTF-8 or a lone surrogate escape makes the line malformed (the reader
    /// itself does not check either). A value nobody needs is only checked, not allocated.
    /// </summary>
    private static bool TryReadString(ref Utf8JsonReader reader, bool keep, out string? text)
    {
        text = null;
        if (!keep && !reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return Utf8.IsValid(reader.ValueSpan);
        }

        try
        {
            string value = reader.GetString()!;
            text = keep ? value : null;
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static string Shorten(string text) => text.Length <= 64 ? text.Replace('\0', '?') : text[..64].Replace('\0', '?') + "…";

    private static bool IsStaged(Field field) => field is Field.EntryPath or Field.TargetPath or Field.UserName;

    private static bool Validate(ref FieldValues values, out string? entryPath, out string? targetPath, out string? error)
    {
        entryPath = null;
        targetPath = null;
        if (!values.Has(Field.Timestamp))
        {
            error = "missing 'timestamp'";
            return false;
        }

        // Microseconds since 1970 must fit a DateTime; zero or negative is never a real event.
        if (values.Timestamp <= 0 || values.Timestamp > (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / 10)
        {
            error = $"'timestamp' {values.Timestamp} is out of range";
            return false;
        }

        if (!values.Has(Field.Action))
        {
            error = "missing 'operation.action'";
            return false;
        }

        if (values.Action == AuditActions.Unknown)
        {
            // Nothing is done with it, so its paths are not judged (a new action may not name an entry).
            error = null;
            return true;
        }

        if (!NormalizePath(values.Strings[(int)Field.EntryPath], out entryPath, out error))
        {
            error = "'operation.entryPath' " + error;
            return false;
        }

        string? rawTarget = values.Strings[(int)Field.TargetPath];
        if (values.Action == AuditAction.Move || rawTarget is not null)
        {
            if (!NormalizePath(rawTarget, out targetPath, out error))
            {
                error = "'operation.targetPath' " + error;
                return false;
            }
        }

        error = null;
        return true;
    }

    /// <summary>
    /// Turns a trail path ("/Projects/a.mov") into an inventory path ("Projects/a.mov"). Refuses what
    /// cannot name an entry inside the filespace: empty, the root itself, NUL, "." or ".." segments, "//".
    /// </summary>
    public static bool NormalizePath(string? raw, out string? path, out string? error)
    {
        path = null;
        if (string.IsNullOrEmpty(raw))
        {
            error = "is missing or empty";
            return false;
        }

        ReadOnlySpan<char> span = raw.AsSpan();
        if (span[0] == '/')
        {
            span = span[1..];
        }

        if (span.Length > 0 && span[^1] == '/')
        {
            span = span[..^1];
        }

        if (span.IsEmpty)
        {
            error = "names the filespace root";
            return false;
        }

        if (span.Contains('\0'))
        {
            error = "contains a NUL character";
            return false;
        }

        foreach (Range segment in span.Split('/'))
        {
            ReadOnlySpan<char> part = span[segment];
            if (part.IsEmpty || part.SequenceEqual(".") || part.SequenceEqual(".."))
            {
                error = $"'{raw}' has an empty, '.' or '..' segment";
                return false;
            }
        }

        path = span.Length == raw.Length ? raw : new string(span);
        error = null;
        return true;
    }

    private static bool IsGroup(ReadOnlySpan<byte> name)
        => name.SequenceEqual("user"u8) || name.SequenceEqual("device"u8) || name.SequenceEqual("event"u8) || name.SequenceEqual("operation"u8);

    private static Field Lookup(ReadOnlySpan<byte> dotted) => dotted switch
    {
        _ when dotted.SequenceEqual("timestamp"u8) => Field.Timestamp,
        _ when dotted.SequenceEqual("user.name"u8) => Field.UserName,
        _ when dotted.SequenceEqual("user.id"u8) => Field.UserId,
        _ when dotted.SequenceEqual("device.hostName"u8) => Field.DeviceHostName,
        _ when dotted.SequenceEqual("device.osName"u8) => Field.DeviceOsName,
        _ when dotted.SequenceEqual("device.osVersion"u8) => Field.DeviceOsVersion,
        _ when dotted.SequenceEqual("event.filespace"u8) => Field.Filespace,
        _ when dotted.SequenceEqual("event.nodeId"u8) => Field.NodeId,
        _ when dotted.SequenceEqual("event.filespaceUuid"u8) => Field.FilespaceUuid,
        _ when dotted.SequenceEqual("operation.action"u8) => Field.Action,
        _ when dotted.SequenceEqual("operation.entryPath"u8) => Field.EntryPath,
        _ when dotted.SequenceEqual("operation.targetPath"u8) => Field.TargetPath,
        _ when dotted.SequenceEqual("operation.fileId"u8) => Field.FileId,
        _ => Field.None,
    };

    private static string Name(Field field) => field switch
    {
        Field.Timestamp => "timestamp",
        Field.UserName => "user.name",
        Field.UserId => "user.id",
        Field.DeviceHostName => "device.hostName",
        Field.DeviceOsName => "device.osName",
        Field.DeviceOsVersion => "device.osVersion",
        Field.Filespace => "event.filespace",
        Field.NodeId => "event.nodeId",
        Field.FilespaceUuid => "event.filespaceUuid",
        Field.Action => "operation.action",
        Field.EntryPath => "operation.entryPath",
        Field.TargetPath => "operation.targetPath",
        Field.FileId => "operation.fileId",
        _ => "?",
    };

    private struct FieldValues
    {
        public long Timestamp;
        public AuditAction Action;
        public StringSlots Strings;

        /// <summary>False: only the staged fields become strings; the others are checked and dropped.</summary>
        public bool MaterializeAll;

        /// <summary>"unknown action 'X'" when the action is not one this build knows.</summary>
        public string? UnknownAction;
        private int seen;

        public bool Claim(Field field)
        {
            int bit = 1 << (int)field;
            if ((seen & bit) != 0)
            {
                return false;
            }

            seen |= bit;
            return true;
        }

        public readonly bool Has(Field field) => (seen & (1 << (int)field)) != 0;
    }

    /// <summary>One slot per field, inline so parsing a line allocates no array.</summary>
    [System.Runtime.CompilerServices.InlineArray((int)Field.Count)]
    private struct StringSlots
    {
        private string? first;
    }
}
