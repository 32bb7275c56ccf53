using Npgsql;

using Xunit;

namespace ChatAgent.Testing;

/// <summary>
/// A fresh PostgreSQL database per test on the server named by <c>CHATAGENT_TEST_POSTGRES</c> (a Npgsql connection
/// string; <c>.ci/run</c> starts a cluster and sets it). Without it the test is skipped with that reason
/// (in CI, with <c>CHATAGENT_REQUIRE_SHARED=1</c>, it fails instead).
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string Variable = "CHATAGENT_TEST_POSTGRES";
    private readonly string _admin;

    private PostgresTestDatabase(string admin, string name, string connectionString)
    {
        _admin = admin;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }
    public string ConnectionString { get; }

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var admin = Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrWhiteSpace(admin))
        {
            var reason = $"{Variable} is not set: no PostgreSQL server to test against (.ci/run starts one).";
            if (Environment.GetEnvironmentVariable(SharedData.RequireVariable) == "1")
            {
                Assert.Fail(reason);
            }
            Assert.Skip(reason);
        }

        var name = "chatagent_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new PostgresTestDatabase(admin!, name, builder.ConnectionString);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_admin);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
