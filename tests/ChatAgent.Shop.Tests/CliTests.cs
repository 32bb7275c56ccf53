using System.CommandLine;
using System.Text;
using ChatAgent.Shop.Cli;
using Microsoft.Data.Sqlite;

namespace ChatAgent.Shop.Tests;

[CollectionDefinition(nameof(ConsoleCollection), DisableParallelization = true)]
public sealed class ConsoleCollection;

/// <summary>The developer commands, run as <c>chatagent ...</c> would run them, against a shop folder with its own appsettings.json.</summary>
[Collection(nameof(ConsoleCollection))]
public sealed class CliTests
{
    private static async Task<(int Exit, string Out, string Err)> RunAsync(string root, params string[] args)
    {
        var command = new RootCommand("chatagent") { PluginsCommand.Create(), ImportCommand.Create() };
        var (oldOut, oldErr) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        Environment.SetEnvironmentVariable(ServiceDefaults.ContentRoot.EnvironmentVariable, root);
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exit = await command.Parse(args).InvokeAsync();
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
            Environment.SetEnvironmentVariable(ServiceDefaults.ContentRoot.EnvironmentVariable, null);
            SqliteConnection.ClearAllPools();
        }
    }

    private static string ShopFolder(string enabled = "\"orders\", \"store_hours\"")
    {
        var root = Directory.CreateTempSubdirectory("chatagent-cli-").FullName;
        File.WriteAllText(Path.Combine(root, "appsettings.json"), $$"""
        {
          "Database": { "Provider": "Sqlite", "MigrateOnStart": true },
          "ConnectionStrings": { "ChatAgent": "Data Source=data/chatagent.db" },
          "Shop": { "SeedDemoData": false },
          "Plugins": { "Enabled": [ {{enabled}} ], "store_hours": { "Hours": "Mon-Sat 10-16" } }
        }
        """);
        return root;
    }

    private static async Task<string> TauShopFolderAsync()
    {
        SharedData.Require("tau-retail/db.json");
        var root = ShopFolder();
        Directory.CreateDirectory(Path.Combine(root, "data"));
        File.Copy(await TauTemplate.PathAsync(), Path.Combine(root, "data", "chatagent.db"));
        return root;
    }

    [Fact]
    public async Task Plugins_list_shows_each_function_with_its_description_and_parameters()
    {
        var root = ShopFolder();
        var (exit, output, _) = await RunAsync(root, "plugins", "list");
        Assert.Equal(0, exit);
        Assert.Contains("orders.cancel_pending_order: Proposes cancelling a pending order.", output, StringComparison.Ordinal);
        Assert.Contains("    reason (string, required): 'no longer needed' or 'ordered by mistake'", output, StringComparison.Ordinal);
        Assert.Contains("    item_ids (array, required): Item ids to exchange", output, StringComparison.Ordinal);
        Assert.Contains("store_hours.get_store_hours", output, StringComparison.Ordinal);

        var (jsonExit, json, _) = await RunAsync(root, "plugins", "list", "--json");
        Assert.Equal(0, jsonExit);
        Assert.Contains("\"name\": \"orders-confirm_change\"", json, StringComparison.Ordinal);
        Assert.Contains("\"required\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plugins_invoke_runs_a_function_as_the_given_customer_and_applies_a_change_only_with_yes()
    {
        var root = await TauShopFolderAsync();
        var (exit, output, _) = await RunAsync(root, "plugins", "invoke", "orders.get_order_details", "--customer", "raj_sanchez_2970", "--args", """{"order_id":"#W4566809"}""");
        Assert.Equal(0, exit);
        Assert.Contains("\"status\":\"pending\"", output, StringComparison.Ordinal);

        var (proposeExit, proposed, _) = await RunAsync(root, "plugins", "invoke", "orders.cancel_pending_order", "--customer", "raj_sanchez_2970", "--args", """{"order_id":"#W4566809","reason":"no longer needed"}""");
        Assert.Equal(0, proposeExit);
        Assert.Contains("\"confirmation_required\":true", proposed, StringComparison.Ordinal);
        var (_, still, _) = await RunAsync(root, "plugins", "invoke", "orders.get_order_details", "--customer", "raj_sanchez_2970", "--args", """{"order_id":"#W4566809"}""");
        Assert.Contains("\"status\":\"pending\"", still, StringComparison.Ordinal);

        var (yesExit, applied, _) = await RunAsync(root, "plugins", "invoke", "orders.cancel_pending_order", "--customer", "raj_sanchez_2970", "--args", """{"order_id":"#W4566809","reason":"no longer needed"}""", "--yes");
        Assert.Equal(0, yesExit);
        Assert.Contains("customer: yes  ->  Confirmed", applied, StringComparison.Ordinal);
        Assert.Contains("\"applied\":true", applied, StringComparison.Ordinal);
        var (_, after, _) = await RunAsync(root, "plugins", "invoke", "orders.get_order_details", "--customer", "raj_sanchez_2970", "--args", """{"order_id":"#W4566809"}""");
        Assert.Contains("\"status\":\"cancelled\"", after, StringComparison.Ordinal);

        var (otherExit, other, _) = await RunAsync(root, "plugins", "invoke", "orders.get_order_details", "--customer", "raj_sanchez_2970", "--args", """{"order_id":"#W2611340"}""");
        Assert.Equal(1, otherExit);
        Assert.Contains("No order #W2611340 was found for this customer", other, StringComparison.Ordinal);
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task Plugins_invoke_explains_bad_input_instead_of_crashing()
    {
        var root = ShopFolder();
        var (badJson, _, err1) = await RunAsync(root, "plugins", "invoke", "orders.get_order_details", "--args", "{not json");
        Assert.Equal(2, badJson);
        Assert.Contains("--args must be a JSON object", err1, StringComparison.Ordinal);

        var (noPlugin, _, err2) = await RunAsync(root, "plugins", "invoke", "nope.f");
        Assert.Equal(2, noPlugin);
        Assert.Contains("No plugin 'nope'", err2, StringComparison.Ordinal);

        var (noCustomer, _, err3) = await RunAsync(root, "plugins", "invoke", "orders.list_orders", "--customer", "nobody_1");
        Assert.Equal(1, noCustomer);
        Assert.Contains("--customer nobody_1", err3, StringComparison.Ordinal);

        var (example, output, _) = await RunAsync(root, "plugins", "invoke", "store_hours.is_open_at", "--args", """{"weekday":"Monday","hour":10}""");
        Assert.Equal(0, example);
        Assert.Contains("\"open\":true", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_plugin_name_in_the_configuration_is_a_clear_start_up_error()
    {
        var root = ShopFolder("\"orders\", \"ordres\"");
        var (exit, _, error) = await RunAsync(root, "plugins", "list");
        Assert.Equal(1, exit);
        Assert.Contains("Plugins:Enabled names unknown plugin(s): ordres. Known plugins:", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_tau_retail_reports_rows_and_is_idempotent()
    {
        var root = ShopFolder();
        var file = Path.Combine(root, "small.json");
        await File.WriteAllTextAsync(file, """
        {"products": {"1000000001": {"name": "Mug", "product_id": "1000000001", "variants": {
            "2000000001": {"item_id": "2000000001", "options": {"color": "red"}, "available": true, "price": 12.5}}}},
         "users": {"bad_1": {"user_id": "bad_1", "name": {"first_name": "B", "last_name": "C"}, "email": "nope"}},
         "orders": {}}
        """, Encoding.UTF8);
        var (exit, output, _) = await RunAsync(root, "import", "tau-retail", file);
        Assert.Equal(0, exit);
        Assert.Contains("2 rows read: 1 inserted, 0 updated, 0 already present, 1 rejected", output, StringComparison.Ordinal);
        Assert.Contains("rejected users[bad_1]:", output, StringComparison.Ordinal);
        var (again, second, _) = await RunAsync(root, "import", "tau-retail", file);
        Assert.Equal(0, again);
        Assert.Contains("0 inserted, 0 updated, 1 already present", second, StringComparison.Ordinal);

        var (missing, _, err) = await RunAsync(root, "import", "tau-retail", Path.Combine(root, "missing.json"));
        Assert.Equal(1, missing);
        Assert.Contains("File not found", err, StringComparison.Ordinal);
        Directory.Delete(root, recursive: true);
    }
}
