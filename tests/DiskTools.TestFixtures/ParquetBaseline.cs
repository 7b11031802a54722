using Parquet;
using Parquet.Schema;

namespace DiskTools.TestFixtures;

/// <summary>
/// Writes an inventory baseline in Parquet (path, size, modified, accessed) as a scanner would, for tests
/// that import one from pwsh, where Parquet.Net's generic async writer is awkward to drive.
/// </summary>
public static class ParquetBaseline
{
    /// <summary>One row group; null entries are missing values (a bad row when the column is required).</summary>
    public static void Write(string file, string?[] paths, long?[] sizes, DateTime?[] modified, DateTime?[] accessed)
        => WriteAsync(file, paths, sizes, modified, accessed).GetAwaiter().GetResult();

    private static async Task WriteAsync(string file, string?[] paths, long?[] sizes, DateTime?[] modified, DateTime?[] accessed)
    {
        var path = new DataField<string>("path");
        var size = new DataField<long?>("size");
        var modifiedField = new DataField<DateTime?>("modified");
        var accessedField = new DataField<DateTime?>("accessed");
        await using FileStream stream = File.Create(file);
        await using ParquetWriter writer = await ParquetWriter.CreateAsync(new ParquetSchema(path, size, modifiedField, accessedField), stream).ConfigureAwait(false);
        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        await group.WriteAsync(path, paths).ConfigureAwait(false);
        await group.WriteAsync<long>(size, sizes.AsMemory()).ConfigureAwait(false);
        await group.WriteAsync<DateTime>(modifiedField, modified.AsMemory()).ConfigureAwait(false);
        await group.WriteAsync<DateTime>(accessedField, accessed.AsMemory()).ConfigureAwait(false);
    }
}
