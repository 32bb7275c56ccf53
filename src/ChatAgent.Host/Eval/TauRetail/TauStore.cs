using System.Text.Json.Nodes;
using ChatAgent.Shop;
using ChatAgent.Shop.Cli;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Import;
using ChatAgent.Shop.Plugins;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace ChatAgent.Host.Eval.TauRetail;

/// <summary>The expected end state of a task: the store after its expected actions, and any action our plugins refused.</summary>
public sealed record GoldState(StoreSnapshot Snapshot, IReadOnlyList<string> Problems);

/// <summary>
/// The τ-retail store for an evaluation: <c>db.json</c> imported once into a SQLite template (catalogue indexed for
/// search), copied fresh for every trial so tasks cannot interfere; and each task's expected end state, made by
/// playing its expected writes through our own plugins on another fresh copy (as τ-bench replays the gold actions).
/// </summary>
public sealed class TauStore
{
    private readonly string _folder;
    private readonly IReadOnlyList<KeyValuePair<string, string?>> _overrides;

    private TauStore(string folder, string template, IReadOnlyList<KeyValuePair<string, string?>> overrides)
    {
        _folder = folder;
        TemplatePath = template;
        _overrides = overrides;
    }

    /// <summary>The imported store every trial starts from.</summary>
    public string TemplatePath { get; }

    /// <summary>The settings that point the shop (and the host) at SQLite file <paramref name="file"/>.</summary>
    public static Dictionary<string, string?> DatabaseSettings(string file) => new()
    {
        ["Database:Provider"] = "Sqlite",
        ["Database:MigrateOnStart"] = "true",
        ["ConnectionStrings:ChatAgent"] = $"Data Source={file}",
        ["Shop:SeedDemoData"] = "false",
    };

    private static Dictionary<string, string?> Merge(IEnumerable<KeyValuePair<string, string?>> overrides, string file)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in overrides.Concat(DatabaseSettings(file)))
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>
    /// Imports <paramref name="dbJson"/> into <c>template.db</c> under <paramref name="folder"/> (replacing an old one).
    /// Within one process the import is done once per file and settings and copied after that (tests run several evaluations).
    /// </summary>
    public static async Task<TauStore> CreateAsync(string dbJson, string folder, IReadOnlyList<KeyValuePair<string, string?>> overrides, CancellationToken ct)
    {
        Directory.CreateDirectory(folder);
        var template = Path.Combine(folder, "template.db");
        DeleteDatabase(template);
        // Only the settings the import and the search index read make a different store.
        var storeSettings = overrides.Where(o => StoreSections.Any(s => o.Key.StartsWith(s, StringComparison.OrdinalIgnoreCase)));
        var key = $"{Path.GetFullPath(dbJson)}|{File.GetLastWriteTimeUtc(dbJson):O}|{string.Join(";", storeSettings.Select(o => $"{o.Key}={o.Value}"))}";
        var imported = Imported.GetOrAdd(key, _ => new Lazy<Task<string>>(() => ImportAsync(dbJson, overrides)));
        string source;
        try
        {
            source = await imported.Value.WaitAsync(ct);
        }
        catch
        {
            Imported.TryRemove(key, out _);
            throw;
        }
        File.Copy(source, template);
        return new TauStore(folder, template, overrides);
    }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string>>> Imported = new();
    private static readonly string[] StoreSections = ["Shop:", "Search:", "Embeddings:", "Database:", "ConnectionStrings:"];

    private static async Task<string> ImportAsync(string dbJson, IReadOnlyList<KeyValuePair<string, string?>> overrides)
    {
        var folder = Directory.CreateTempSubdirectory("chatagent-tau-store-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
                // Left in the temp folder; harmless.
            }
        };
        var file = Path.Combine(folder, "imported.db");
        await using (var services = await ShopCli.BuildServicesAsync(CancellationToken.None, Merge(overrides, file)))
        {
            await using var db = await services.GetRequiredService<IDbContextFactory<ShopDbContext>>().CreateDbContextAsync();
            var report = await new TauRetailImporter(db).ImportFileAsync(dbJson, ImportProgress.Silent());
            if (report.Rejected.Count > 0)
            {
                throw new InvalidOperationException($"Importing {dbJson} rejected {report.Rejected.Count} rows, e.g. {report.Rejected[0].Row}: {report.Rejected[0].Reason}");
            }
            await services.GetRequiredService<CatalogInitializer>().IndexAsync();
            await db.Database.ExecuteSqlRawAsync("PRAGMA wal_checkpoint(TRUNCATE);");
        }
        SqliteConnection.ClearAllPools();
        return file;
    }

    /// <summary>A fresh copy of the template named <paramref name="name"/>.db.</summary>
    public string Copy(string name)
    {
        var file = Path.Combine(_folder, name + ".db");
        DeleteDatabase(file);
        File.Copy(TemplatePath, file);
        return file;
    }

    /// <summary>Deletes a SQLite file and its WAL files (after closing pooled connections).</summary>
    public static void DeleteDatabase(string file)
    {
        SqliteConnection.ClearAllPools();
        foreach (var f in new[] { file, file + "-wal", file + "-shm" })
        {
            File.Delete(f);
        }
    }

    /// <summary>Plays the task's expected writes through the orders plugin on a fresh copy (each: propose, customer's yes, confirm_change).</summary>
    public async Task<GoldState> GoldAsync(TauTask task, CancellationToken ct)
    {
        var file = Copy($"gold-{task.Id}");
        var problems = new List<string>();
        StoreSnapshot snapshot;
        await using (var services = await ShopCli.BuildServicesAsync(ct, Merge(_overrides, file)))
        {
            var factory = services.GetRequiredService<IDbContextFactory<ShopDbContext>>();
            var number = 0;
            foreach (var action in task.Actions.Where(a => TauActions.IsWrite(a.Name)))
            {
                var where = $"task {task.Id}, {action.Name} {action.Arguments.ToJsonString()}";
                var owner = TauActions.UserId(action);
                if (owner is null && TauActions.OrderId(action) is { } orderId)
                {
                    await using var db = await factory.CreateDbContextAsync(ct);
                    owner = await db.Orders.AsNoTracking().Where(o => o.Id == orderId).Select(o => o.CustomerId).FirstOrDefaultAsync(ct);
                }
                if (owner is null)
                {
                    problems.Add($"{where}: no such order or customer");
                    continue;
                }
                var conversationId = $"tau-gold-{task.Id}-{number++}";
                var session = services.GetRequiredService<CustomerSessionFactory>().Create(conversationId, owner);
                if (!(await session.VerifyFromBoundIdentityAsync(ct)).Succeeded)
                {
                    problems.Add($"{where}: customer {owner} could not be verified");
                    continue;
                }
                var proposal = await InvokeAsync(services, session, TauActions.ToPluginCall(action)!, ct);
                if ((string?)proposal["handle"] is not { } handle)
                {
                    problems.Add($"{where}: refused: {proposal.ToJsonString()}");
                    continue;
                }
                await services.GetRequiredService<ConfirmationGate>().OnCustomerMessageAsync(conversationId, "yes", ct);
                var applied = await InvokeAsync(services, session, new PluginCall("orders", TauActions.ConfirmFunction, new JsonObject { ["handle"] = handle }), ct);
                if (applied["error"] is not null)
                {
                    problems.Add($"{where}: not applied: {applied.ToJsonString()}");
                }
            }
            snapshot = await StoreSnapshot.TakeAsync(factory, ct);
        }
        DeleteDatabase(file);
        return new GoldState(snapshot, problems);
    }

    private static async Task<JsonObject> InvokeAsync(IServiceProvider services, CustomerSession session, PluginCall call, CancellationToken ct)
    {
        var plugin = services.GetRequiredService<PluginCatalog>().CreatePlugin(services, session, call.Plugin)
            ?? throw new InvalidOperationException($"No plugin '{call.Plugin}' (the plugins project is not loaded).");
        var result = await plugin[call.Function].InvokeAsync(new Kernel(services), PluginsCommand.ParseArguments(call.Arguments.ToJsonString()), ct);
        return JsonNode.Parse(result.ToString()) as JsonObject ?? [];
    }
}
