using System.Text.Json;

namespace DiskTools.Engine.Sync.Logging;

/// <summary>
/// Renders one log event as one JSON object on one line: timestamp (ISO 8601, UTC), level, job, host
/// (the real hostname), event (the message), then the context fields at the top level. A context field
/// that would overwrite one of the five fixed keys is written as context_&lt;key&gt; instead.
/// </summary>
public static class JsonLogLine
{
    public static readonly IReadOnlySet<string> FixedKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        "timestamp", "level", "job", "host", "event",
    };

    private static readonly JsonWriterOptions Options = new()
    {
        // Keep non-ASCII names (folders, hosts) readable in the file; JSON stays valid either way.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Render(LogEvent logEvent, string hostname)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", logEvent.Timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("level", logEvent.Level.ToName());
            writer.WriteString("job", logEvent.Job);
            writer.WriteString("host", hostname);
            writer.WriteString("event", logEvent.Message);
            foreach ((string key, object? value) in logEvent.Context)
            {
                writer.WritePropertyName(FixedKeys.Contains(key) ? "context_" + key : key);
                WriteValue(writer, value);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int or long or short or byte or uint or ushort or sbyte:
                writer.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case ulong u:
                writer.WriteNumberValue(u);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case float f when float.IsFinite(f):
                writer.WriteNumberValue(f);
                break;
            case decimal m:
                writer.WriteNumberValue(m);
                break;
            case DateTimeOffset time:
                writer.WriteStringValue(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
                break;
            case DateTime time:
                writer.WriteStringValue(time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
                break;
            case TimeSpan span:
                writer.WriteNumberValue(Math.Round(span.TotalSeconds, 3));
                break;
            case Enum e:
                writer.WriteStringValue(e.ToString());
                break;
            case System.Collections.IEnumerable items:
                writer.WriteStartArray();
                foreach (object? item in items)
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
