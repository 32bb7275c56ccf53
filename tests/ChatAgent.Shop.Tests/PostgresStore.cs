using ChatAgent.ServiceDefaults;
using ChatAgent.Shop.Import;
using Npgsql;

namespace ChatAgent.Shop.Tests;

/// <summary>
/// PostgreSQL test databases on the server named by CHATAGENT_TEST_POSTGRES (a Npgsql connection string whose user may
/// create databases). The τ-retail store is imported once into a template database and cloned per test.
/// </summary>
internal static class PostgresStore
{
    public const string EnvironmentVariable = "CHATAGENT_TEST_POSTGRES";
    private static readonly Lazy<Task<string>> Template = new(BuildTemplateAsync);

    public static string RequireOrSkip()
    {
        var cs = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(cs))
        {
            Assert.Skip($"{EnvironmentVariable} is not set (a Npgsql connection string, e.g. Host=127.0.0.1;Port=55432;Username=postgres); PostgreSQL store tests are skipped.");
        }
        return cs!;
    }

    private static string WithDatabase(string cs, string database) => new NpgsqlConnectionStringBuilder(cs) { Database = database, Pooling = true }.ToString();

    private static async Task ExecuteAsync(string cs, string sql)
    {
        await using var connection = new NpgsqlConnection(WithDatabase(cs, "postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>An empty, migrated store in a new database.</summary>
    public static async Task<TestShop> CreateEmptyAsync()
    {
        var cs = RequireOrSkip();
        var name = $"chatagent_shop_test_{Guid.NewGuid():N}";
        await ExecuteAsync(cs, $"CREATE DATABASE {name}");
        var shop = await TestShop.CreateAsync(DatabaseProvider.Postgres, WithDatabase(cs, name));
        shop.AfterDispose = () => DropAsync(cs, name);
        return shop;
    }

    /// <summary>A copy of the imported τ-retail store in a new database.</summary>
    public static async Task<TestShop> CreateTauAsync()
    {
        var cs = RequireOrSkip();
        var template = await Template.Value;
        var name = $"chatagent_shop_test_{Guid.NewGuid():N}";
        await ExecuteAsync(cs, $"CREATE DATABASE {name} TEMPLATE {template}");
        var shop = await TestShop.CreateAsync(DatabaseProvider.Postgres, WithDatabase(cs, name));
        shop.AfterDispose = () => DropAsync(cs, name);
        return shop;
    }

    private static async Task DropAsync(string cs, string name)
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(cs, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    private static async Task<string> BuildTemplateAsync()
    {
        var cs = RequireOrSkip();
        var name = $"chatagent_shop_tpl_{Guid.NewGuid():N}";
        await ExecuteAsync(cs, $"CREATE DATABASE {name}");
        var shop = await TestShop.CreateAsync(DatabaseProvider.Postgres, WithDatabase(cs, name));
        await using (var db = await shop.Db.CreateDbContextAsync())
        {
            var report = await new TauRetailImporter(db).ImportFileAsync(SharedData.TryFind("tau-retail/db.json")!);
            if (report.Rejected.Count > 0 || report.Inserted != 1550)
            {
                throw new InvalidOperationException($"τ-retail import into PostgreSQL was not clean: {report}");
            }
        }
        await shop.DisposeAsync();
        // A template database must have no open connections when it is copied.
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                ExecuteAsync(cs, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)").GetAwaiter().GetResult();
            }
            catch (NpgsqlException)
            {
                // The server may already be gone at exit; a leftover template only costs disk space.
            }
        };
        return name;
    }
}

/// <summary>The same store behaviour on PostgreSQL (run when CHATAGENT_TEST_POSTGRES is set).</summary>
public sealed class PostgresStoreTests
{
    public static TheoryData<string> TaskIds() => TauReplay.TaskIds();

    [Theory]
    [MemberData(nameof(TaskIds))]
    public async Task Each_tau_retail_task_replays_on_postgresql_as_on_sqlite(string taskId)
    {
        PostgresStore.RequireOrSkip();
        SharedData.Require("tau-retail/tasks.json");
        await using var shop = await PostgresStore.CreateTauAsync();
        await TauReplay.RunAsync(shop, taskId);
    }

    [Fact]
    public async Task The_demo_shop_seeds_into_postgresql_and_verification_state_persists()
    {
        PostgresStore.RequireOrSkip();
        await using var shop = await PostgresStore.CreateEmptyAsync();
        await using (var db = await shop.Db.CreateDbContextAsync())
        {
            await new DemoData.DemoStoreGenerator(3, 50).SeedAsync(db);
        }
        string email;
        await using (var db = await shop.Db.CreateDbContextAsync())
        {
            email = db.Customers.OrderBy(c => c.Id).First().Email;
        }
        var conversation = shop.StartConversation();
        Assert.True((await conversation.CallAsync("verify_customer_by_email", new { email = email.ToUpperInvariant() })).GetProperty("verified").GetBoolean());
        Assert.NotNull(await conversation.Session.GetVerifiedCustomerIdAsync());
        Assert.True((await conversation.CallAsync("list_orders")).TryGetProperty("orders", out _));
    }
}
