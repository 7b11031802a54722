using NpgsqlTypes;

namespace DiskTools.Engine.Storage;

/// <summary>
/// Binding and running the inventory's statements in one line each. Every statement takes positional
/// parameters ($1, $2, …) in order; a null is sent as SQL NULL.
/// </summary>
internal static class SqlCommands
{
    /// <summary>Binds <paramref name="values"/> as the next positional parameters, their types inferred.</summary>
    public static NpgsqlCommand AddValues(this NpgsqlCommand command, params object?[] values)
    {
        foreach (object? value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>
    /// Binds one value with an explicit type: for a value that may be null (the server cannot infer a
    /// type from NULL alone) or an array whose element type must be exact.
    /// </summary>
    public static NpgsqlCommand AddValue(this NpgsqlCommand command, object? value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
        return command;
    }

    /// <summary>
    /// Runs a statement with no time limit: set-based work over a whole root, and migrations, take as
    /// long as the inventory is large.
    /// </summary>
    public static async Task ExecuteUnlimitedAsync(this NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using NpgsqlCommand command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 }.AddValues(values);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The first value of a statement's result, with no time limit (see <see cref="ExecuteUnlimitedAsync"/>).</summary>
    public static async Task<object?> ScalarUnlimitedAsync(this NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object?[] values)
    {
        await using NpgsqlCommand command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 }.AddValues(values);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }
}
