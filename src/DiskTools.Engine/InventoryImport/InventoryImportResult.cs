namespace DiskTools.Engine.InventoryImport;

/// <summary>What one Import-FileInventory run did.</summary>
public sealed record InventoryImportResult
{
    public string Root { get; init; } = string.Empty;

    public string Source { get; init; } = string.Empty;

    /// <summary>Csv or Parquet.</summary>
    public string Format { get; init; } = string.Empty;

    /// <summary>Data rows in the source (header excluded).</summary>
    public long RowsRead { get; init; }

    /// <summary>New records.</summary>
    public long Inserted { get; init; }

    /// <summary>Existing records whose last_accessed the import raised.</summary>
    public long Updated { get; init; }

    /// <summary>Valid rows that changed nothing (already known, not newer).</summary>
    public long Unchanged { get; init; }

    /// <summary>Bad rows, each reported with its line or row number and skipped.</summary>
    public long Skipped { get; init; }

    public TimeSpan Duration { get; init; }
}
