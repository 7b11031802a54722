using Parquet;
using Parquet.Schema;

namespace DiskTools.Engine.InventoryImport;

/// <summary>
/// Reads one Parquet column of any of the types baseline exports use (strings, integers, timestamps) as
/// invariant text, so CSV and Parquet rows go through the same validation. Timestamps become ISO 8601 in
/// UTC; integers stay integers (a time column of integers is Unix seconds).
/// </summary>
internal static class ParquetColumns
{
    public static async Task<string?[]> ReadAsync(ParquetRowGroupReader group, DataField field, int count, CancellationToken cancellationToken)
    {
        Type type = field.ClrType;
        // Parquet.Net describes text columns as ReadOnlyMemory<char>; the string overload decodes them.
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>) || type == typeof(ReadOnlyMemory<byte>))
        {
            string?[] values = new string?[count];
            await group.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            return values;
        }

        if (type == typeof(long))
        {
            return await ReadStructAsync<long>(group, field, count, v => v.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(int))
        {
            return await ReadStructAsync<int>(group, field, count, v => v.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(double))
        {
            return await ReadStructAsync<double>(group, field, count, v => v.ToString("R", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(DateTime))
        {
            return await ReadStructAsync<DateTime>(group, field, count,
                v => (v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : DateTime.SpecifyKind(v, DateTimeKind.Utc)).ToString("O", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }

        if (type == typeof(DateTimeOffset))
        {
            return await ReadStructAsync<DateTimeOffset>(group, field, count, v => v.ToString("O", CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        }

        throw new InvalidDataException($"Parquet column '{field.Name}' has type {type.Name}; expected text, integers or timestamps.");
    }

    private static async Task<string?[]> ReadStructAsync<T>(ParquetRowGroupReader group, DataField field, int count, Func<T, string> format, CancellationToken cancellationToken)
        where T : struct
    {
        var text = new string?[count];
        if (field.IsNullable)
        {
            var values = new T?[count];
            await group.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < count; i++)
            {
                text[i] = values[i] is T v ? format(v) : null;
            }
        }
        else
        {
            var values = new T[count];
            await group.ReadAsync(field, values.AsMemory(), null, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < count; i++)
            {
                text[i] = format(values[i]);
            }
        }

        return text;
    }
}
