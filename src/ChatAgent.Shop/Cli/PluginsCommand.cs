using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace ChatAgent.Shop.Cli;

/// <summary><c>chatagent plugins list|invoke</c>: see and exercise plugins without a model.</summary>
public static class PluginsCommand
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var command = new Command("plugins", "List the plugins and their functions as the model sees them, or invoke one without a model.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateInvoke());
        return command;
    }

    private static Command CreateList()
    {
        var all = new Option<bool>("--all") { Description = "Also list plugins that are not enabled in Plugins:Enabled." };
        var json = new Option<bool>("--json") { Description = "Print the tool definitions (name, description, JSON schema) as JSON." };
        var list = new Command("list", "List enabled plugins, each function with its description and parameters.") { all, json };
        list.SetAction((parse, ct) => ShopCli.RunAsync(services =>
        {
            var catalog = services.GetRequiredService<PluginCatalog>();
            var session = services.GetRequiredService<CustomerSessionFactory>().Create("cli-plugins-list");
            var showAll = parse.GetValue(all);
            var descriptors = showAll ? catalog.Discovered : catalog.Enabled;
            var enabled = catalog.Enabled.Select(d => d.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
            if (parse.GetValue(json))
            {
                var tools = new JsonArray();
                foreach (var d in descriptors)
                {
                    foreach (var f in catalog.CreatePlugin(services, session, d.Name)!)
                    {
                        tools.Add(new JsonObject
                        {
                            ["name"] = $"{d.Name}-{f.Name}",
                            ["description"] = f.Description,
                            ["parameters"] = JsonNode.Parse(f.JsonSchema.GetRawText()),
                        });
                    }
                }
                Console.WriteLine(tools.ToJsonString(Indented));
                return Task.FromResult(0);
            }
            if (descriptors.Count == 0)
            {
                Console.WriteLine(showAll ? "No plugin classes found." : "No plugins enabled (Plugins:Enabled in appsettings.json). Use --all to see the available ones.");
            }
            foreach (var d in descriptors)
            {
                Console.WriteLine($"{d.Name}{(enabled.Contains(d.Name) ? "" : " (not enabled)")} — {d.Description ?? d.Type.FullName}");
                foreach (var f in catalog.CreatePlugin(services, session, d.Name)!)
                {
                    Console.WriteLine($"  {d.Name}.{f.Name}: {f.Description}");
                    foreach (var p in f.Metadata.Parameters.Where(p => p.ParameterType != typeof(CancellationToken)))
                    {
                        var type = p.Schema?.RootElement.TryGetProperty("type", out var t) == true ? t.ToString() : p.ParameterType?.Name ?? "string";
                        Console.WriteLine($"    {p.Name} ({type}{(p.IsRequired ? ", required" : "")}){(string.IsNullOrEmpty(p.Description) ? "" : ": " + p.Description)}");
                    }
                }
            }
            return Task.FromResult(0);
        }, ct));
        return list;
    }

    private static Command CreateInvoke()
    {
        var target = new Argument<string>("function") { Description = "plugin.function, e.g. orders.get_order_details" };
        var customer = new Option<string?>("--customer") { Description = "Act as this verified customer (customer id, e.g. noah_brown_6181)." };
        var args = new Option<string>("--args") { Description = "Arguments as a JSON object, e.g. '{\"order_id\":\"#W2611340\"}'.", DefaultValueFactory = _ => "{}" };
        var yes = new Option<bool>("--yes") { Description = "If the call proposes a change, answer it with the customer's 'yes' and apply it." };
        var conversation = new Option<string?>("--conversation") { Description = "Conversation id (default: a new one per run)." };
        var invoke = new Command("invoke", "Invoke one plugin function as a customer would through the model.") { target, customer, args, yes, conversation };
        invoke.SetAction((parse, ct) => ShopCli.RunAsync(async services =>
        {
            var name = parse.GetValue(target)!;
            var dot = name.IndexOf('.', StringComparison.Ordinal);
            if (dot <= 0 || dot == name.Length - 1)
            {
                await Console.Error.WriteLineAsync($"'{name}' is not plugin.function (e.g. orders.get_order_details).");
                return 2;
            }
            KernelArguments arguments;
            try
            {
                arguments = ParseArguments(parse.GetValue(args) ?? "{}");
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync($"--args must be a JSON object: {e.Message}");
                return 2;
            }

            var conversationId = parse.GetValue(conversation) ?? $"cli-{Guid.NewGuid():N}";
            var customerId = parse.GetValue(customer);
            var session = services.GetRequiredService<CustomerSessionFactory>().Create(conversationId, customerId);
            if (customerId is not null)
            {
                var verified = await session.VerifyFromBoundIdentityAsync(ct);
                if (!verified.Succeeded)
                {
                    await Console.Error.WriteLineAsync($"--customer {customerId}: {verified.Message}");
                    return 1;
                }
            }
            var catalog = services.GetRequiredService<PluginCatalog>();
            var plugin = catalog.CreatePlugin(services, session, name[..dot]);
            if (plugin is null)
            {
                await Console.Error.WriteLineAsync($"No plugin '{name[..dot]}'. Known: {string.Join(", ", catalog.Discovered.Select(d => d.Name))}.");
                return 2;
            }
            if (!plugin.TryGetFunction(name[(dot + 1)..], out var function))
            {
                await Console.Error.WriteLineAsync($"Plugin '{plugin.Name}' has no function '{name[(dot + 1)..]}'. Functions: {string.Join(", ", plugin.Select(f => f.Name))}.");
                return 2;
            }
            var kernel = new Kernel(services);
            string result;
            try
            {
                result = (await function.InvokeAsync(kernel, arguments, ct)).ToString();
            }
            catch (Exception e) when (e is ArgumentException or KernelException or JsonException or FormatException)
            {
                await Console.Error.WriteLineAsync($"Could not call {name}: {e.Message}");
                return 2;
            }
            Console.WriteLine(result);

            if (parse.GetValue(yes) && TryGetHandle(result) is { } handle && plugin.TryGetFunction("confirm_change", out var confirm))
            {
                var outcome = await services.GetRequiredService<ConfirmationGate>().OnCustomerMessageAsync(conversationId, "yes", ct);
                Console.WriteLine($"customer: yes  ->  {outcome.Decision}");
                Console.WriteLine((await confirm.InvokeAsync(kernel, new KernelArguments { ["handle"] = handle }, ct)).ToString());
            }
            return ToolResult.IsRefusal(result) ? 1 : 0;
        }, ct));
        return invoke;
    }

    /// <summary>JSON strings become plain strings; other values are passed as JSON text, which Semantic Kernel converts to the parameter type.</summary>
    public static KernelArguments ParseArguments(string json)
    {
        var node = JsonNode.Parse(json) as JsonObject ?? throw new InvalidOperationException("expected an object");
        var arguments = new KernelArguments();
        foreach (var (key, value) in node)
        {
            arguments[key] = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString();
        }
        return arguments;
    }

    private static string? TryGetHandle(string result)
    {
        try
        {
            using var doc = JsonDocument.Parse(result);
            return doc.RootElement.TryGetProperty("confirmation_required", out _) && doc.RootElement.TryGetProperty("handle", out var h) ? h.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
