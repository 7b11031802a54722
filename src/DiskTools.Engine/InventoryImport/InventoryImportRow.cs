namespace DiskTools.Engine.InventoryImport;

/// <summary>One baseline row: a file's path below the root, size, modification and access times.</summary>
/// <param name="RowNumber">The CSV line number or the Parquet row number (1-based), for reports.</param>
public readonly record struct InventoryImportRow(long RowNumber, string Path, long Size, DateTime ModifiedUtc, DateTime? AccessedUtc);

/// <summary>A row that could not be imported, and why.</summary>
public readonly record struct InventoryRowError(long RowNumber, string Reason);
