using System.ComponentModel.DataAnnotations;

namespace ChatAgent.ServiceDefaults;

/// <summary>Which database engine holds conversations and the shop's data.</summary>
public enum DatabaseProvider
{
    /// <summary>A single SQLite file (the default; <c>data/chatagent.db</c>).</summary>
    Sqlite,
    /// <summary>A PostgreSQL server, for several hosts sharing one store.</summary>
    Postgres,
}

/// <summary>The <c>Database</c> section of <c>appsettings.json</c>; the connection string is <c>ConnectionStrings:ChatAgent</c>.</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary><c>Sqlite</c> (default) or <c>Postgres</c>.</summary>
    [EnumDataType(typeof(DatabaseProvider))]
    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>Apply pending migrations when the host starts (default true).</summary>
    public bool MigrateOnStart { get; set; } = true;
}
