using System.Text.Json;
using ChatAgent.ServiceDefaults;
using ChatAgent.Shop.Cli;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Import;
using ChatAgent.Shop.Plugins;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace ChatAgent.Shop.Tests;

/// <summary>A store plus the shop's services, as the host wires them, on a SQLite file or a PostgreSQL database.</summary>
internal sealed class TestShop : IAsyncDisposable
{
    private TestShop(ServiceProvider services, string? directory)
    {
        Services = services;
        Directory = directory;
    }

    public ServiceProvider Services { get; }
    public string? Directory { get; }
    public IDbContextFactory<ShopDbContext> Db => Services.GetRequiredService<IDbContextFactory<ShopDbContext>>();

    public static async Task<TestShop> CreateAsync(DatabaseProvider provider, string connectionString, string? directory = null, Dictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Database:Provider"] = provider.ToString(),
            ["Database:MigrateOnStart"] = "true",
            ["ConnectionStrings:ChatAgent"] = connectionString,
            ["Shop:SeedDemoData"] = "false",
            ["Plugins:Enabled:0"] = "orders",
            ["Plugins:Enabled:1"] = "store_hours",
            ["Plugins:store_hours:Hours"] = "Mon-Fri 8-18",
        };
        foreach (var (k, v) in settings ?? [])
        {
            values[k] = v;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddShop(configuration, directory ?? Path.GetTempPath());
        var provider_ = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        await provider_.GetRequiredService<ShopInitializer>().InitializeAsync();
        return new TestShop(provider_, directory);
    }

    /// <summary>A fresh SQLite store in its own temp folder, optionally a copy of <paramref name="templateFile"/>.</summary>
    public static async Task<TestShop> CreateSqliteAsync(string? templateFile = null, Dictionary<string, string?>? settings = null)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("chatagent-shop-test-").FullName;
        var file = Path.Combine(dir, "shop.db");
        if (templateFile is not null)
        {
            File.Copy(templateFile, file);
        }
        return await CreateAsync(DatabaseProvider.Sqlite, $"Data Source={file}", dir, settings);
    }

    public TestConversation StartConversation(string? boundCustomerId = null) => new(this, $"test-{Guid.NewGuid():N}", boundCustomerId);

    /// <summary>Runs after the services are disposed (e.g. drops a PostgreSQL test database).</summary>
    public Func<Task>? AfterDispose { get; set; }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (AfterDispose is not null)
        {
            await AfterDispose();
        }
        if (Directory is not null)
        {
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // A temp folder left behind is harmless.
            }
        }
    }
}

/// <summary>One conversation: its plugins as the model gets them, and the customer's messages through the gate.</summary>
internal sealed class TestConversation
{
    private readonly TestShop _shop;
    private readonly Kernel _kernel;

    public TestConversation(TestShop shop, string id, string? boundCustomerId)
    {
        _shop = shop;
        Id = id;
        Session = shop.Services.GetRequiredService<CustomerSessionFactory>().Create(id, boundCustomerId);
        Plugins = shop.Services.GetRequiredService<PluginCatalog>().CreatePlugins(shop.Services, Session);
        _kernel = new Kernel(shop.Services);
        _kernel.Plugins.AddRange(Plugins);
    }

    public string Id { get; }
    public CustomerSession Session { get; }
    public IReadOnlyList<KernelPlugin> Plugins { get; }

    /// <summary>Calls <c>plugin.function</c> (default plugin: orders) with arguments given as an object, the way a tool call arrives.</summary>
    public async Task<JsonElement> CallAsync(string function, object? args = null)
    {
        var (plugin, name) = function.Contains('.', StringComparison.Ordinal) ? (function.Split('.')[0], function.Split('.')[1]) : ("orders", function);
        var arguments = PluginsCommand.ParseArguments(JsonSerializer.Serialize(args ?? new { }));
        var result = await _kernel.Plugins.GetFunction(plugin, name).InvokeAsync(_kernel, arguments);
        using var doc = JsonDocument.Parse(result.ToString());
        return doc.RootElement.Clone();
    }

    /// <summary>The customer sends a message (before the model runs, as the orchestrator does).</summary>
    public Task<ConfirmationOutcome> SayAsync(string text, string? messageId = null) =>
        _shop.Services.GetRequiredService<ConfirmationGate>().OnCustomerMessageAsync(Id, text, messageId);

    /// <summary>Proposes a change, the customer says yes, the change is confirmed; returns the apply result.</summary>
    public async Task<JsonElement> ProposeConfirmApplyAsync(string function, object args)
    {
        var proposal = await CallAsync(function, args);
        Assert.True(proposal.TryGetProperty("handle", out var handle), $"{function} did not propose: {proposal}");
        var outcome = await SayAsync("yes");
        Assert.Equal(ConfirmationDecision.Confirmed, outcome.Decision);
        return await CallAsync("confirm_change", new { handle = handle.GetString() });
    }
}

internal static class JsonAssert
{
    public static bool IsError(this JsonElement e) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("error", out _);

    public static string Error(this JsonElement e) => e.TryGetProperty("error", out var m) ? m.GetString() ?? "" : "";
}

/// <summary>One imported τ-retail store per test run, copied for each test (import once, not 114 times).</summary>
internal static class TauTemplate
{
    private static readonly Lazy<Task<string>> Template = new(BuildAsync);

    public static Task<string> PathAsync() => Template.Value;

    private static async Task<string> BuildAsync()
    {
        var dbJson = SharedData.TryFind("tau-retail/db.json") ?? throw new InvalidOperationException("db.json not found");
        var dir = System.IO.Directory.CreateTempSubdirectory("chatagent-shop-template-").FullName;
        var file = Path.Combine(dir, "template.db");
        var shop = await TestShop.CreateAsync(DatabaseProvider.Sqlite, $"Data Source={file}", null);
        await using (var db = await shop.Db.CreateDbContextAsync())
        {
            var report = await new TauRetailImporter(db).ImportFileAsync(dbJson, ImportProgress.Silent());
            if (report.Rejected.Count > 0 || report.Inserted != 1550)
            {
                throw new InvalidOperationException($"τ-retail import was not clean: {report}; first rejection: {report.Rejected.FirstOrDefault()}");
            }
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        }
        await shop.DisposeAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                System.IO.Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp folder; harmless.
            }
        };
        return file;
    }
}
