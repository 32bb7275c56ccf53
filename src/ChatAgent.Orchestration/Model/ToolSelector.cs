using ChatAgent.Orchestration.Intents;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop.Conversations;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.Model;

/// <summary>How the tools offered to the model are chosen (<c>Orchestrator:ToolSelection</c>).</summary>
public enum ToolSelectionMode
{
    /// <summary>Per turn, from the message's likely intents and the dialogue state (a small fixed core always).</summary>
    Intent,
    /// <summary>Every enabled plugin's every tool on every turn (large models with long contexts).</summary>
    All,
}

/// <summary>What a turn knows when the tools are chosen.</summary>
/// <param name="Text">The customer's message.</param>
/// <param name="Intents">The message's likely intents, most likely first (the classifier's top two when close).</param>
/// <param name="Verified">A customer is verified in this conversation.</param>
/// <param name="Confirmation">What the confirmation gate decided for this message (a yes to a proposed change keeps confirm_change).</param>
/// <param name="RecentTools">Tools called in the previous turns (their groups stay offered: "and the other one?").</param>
/// <param name="Offered">Tools (<c>plugin_function</c>) offered on the previous turn: they stay offered, so the tool
/// block at the top of the prompt stays the same and the conversation's KV cache is reused (it only grows).</param>
internal sealed record ToolContext(string Text, IReadOnlyList<string> Intents, bool Verified, ConfirmationDecision Confirmation, IReadOnlyList<ToolCallRecord> RecentTools,
    IReadOnlySet<string>? Offered = null);

/// <summary>
/// Chooses the tools a model turn offers, to keep the prompt small: the handoff tool always; the bundled plugins' tools
/// in groups picked by the message's likely intents (no-model mode's <see cref="IntentClassifier"/>), by the order ids or
/// email it names, and by the dialogue state (verification only until verified, confirm_change only for a yes to a
/// proposed change, the groups used in the previous turns). Tools offered once stay offered for the rest of the
/// conversation (the tool block then changes rarely, and the KV cache of the conversation is reused). A plugin or function
/// this table does not know (a shop's own plugin) is always offered whole, so nothing a developer adds disappears.
/// </summary>
internal static class ToolSelector
{
    private sealed record Group(string Name, string Plugin, string[] Functions);

    private static readonly Group Verify = new("verify", "orders", ["verify_customer_by_email", "verify_customer_by_name_zip", "verify_signed_in_customer"]);
    private static readonly Group Order = new("order", "orders", ["get_order_details", "list_orders"]);
    private static readonly Group Account = new("account", "orders", ["get_customer_details", "list_orders"]);
    private static readonly Group Cancel = new("cancel", "orders", ["cancel_pending_order"]);
    private static readonly Group Modify = new("modify", "orders", ["modify_pending_order_address", "modify_pending_order_payment", "modify_pending_order_items"]);
    private static readonly Group Address = new("address", "orders", ["modify_pending_order_address", "modify_default_address"]);
    private static readonly Group Return = new("return", "orders", ["return_delivered_order_items", "exchange_delivered_order_items"]);
    private static readonly Group Confirm = new("confirm", "orders", ["confirm_change"]);
    private static readonly Group Search = new("search", "products", ["search_products", "get_product_details", "check_availability"]);
    private static readonly Group Recommend = new("recommend", "recommendations", ["similar_products", "frequently_bought_together", "recommend_for_customer", "popular_products"]);
    private static readonly Group ProductDetails = new("product", "products", ["get_product_details"]);

    private static readonly Group[] All = [Verify, Order, Account, Cancel, Modify, Address, Return, Confirm, Search, Recommend, ProductDetails];

    /// <summary>Intent (see Intents/examples.jsonl) → the tool groups its requests need. Policy, small talk, complaints: none.</summary>
    private static readonly Dictionary<string, Group[]> ByIntent = new(StringComparer.Ordinal)
    {
        ["order_status"] = [Verify, Order],
        ["cancel_order"] = [Verify, Order, Cancel],
        ["change_order"] = [Verify, Order, Account, Modify, ProductDetails],
        ["change_address"] = [Verify, Order, Address],
        ["return_exchange"] = [Verify, Order, Account, Return, ProductDetails],
        ["refund"] = [Verify, Order, Account, Return],
        ["payment_issue"] = [Verify, Order, Account],
        ["invoice"] = [Verify, Order, Account],
        ["account"] = [Verify, Account],
        ["product_search"] = [Search],
        ["recommendation"] = [Recommend, ProductDetails],
    };

    /// <summary>The plugins to put in the kernel for this turn: each holding only its chosen functions (empty ones left out).</summary>
    public static IReadOnlyList<KernelPlugin> Select(IReadOnlyList<KernelPlugin> plugins, ToolContext context, out string reason)
    {
        var groups = new HashSet<Group>();
        var why = new List<string>();
        foreach (var intent in context.Intents)
        {
            if (ByIntent.TryGetValue(intent, out var forIntent))
            {
                groups.UnionWith(forIntent);
                why.Add(intent);
            }
        }
        var slots = SlotExtractor.Extract(context.Text);
        if (slots.OrderIds.Count > 0 && groups.Add(Order))
        {
            groups.Add(Verify);
            why.Add("order id");
        }
        if (slots.Email is not null && groups.Add(Verify))
        {
            why.Add("email");
        }
        if (context.Confirmation == ConfirmationDecision.Confirmed)
        {
            groups.Add(Confirm);
            groups.Add(Order);
            why.Add("yes to a proposed change");
        }
        foreach (var call in context.RecentTools)
        {
            foreach (var g in All.Where(g => g.Plugin == call.Plugin && g.Functions.Contains(call.Function)))
            {
                if (groups.Add(g))
                {
                    why.Add("earlier " + g.Name);
                }
            }
        }
        // Verification is needed once; a proposing group needs the customer's details (payment method ids) too.
        if (context.Verified)
        {
            groups.Remove(Verify);
        }

        var chosen = new List<KernelPlugin>();
        foreach (var plugin in plugins)
        {
            var known = All.Where(g => string.Equals(g.Plugin, plugin.Name, StringComparison.Ordinal)).ToList();
            if (known.Count == 0)
            {
                chosen.Add(plugin);
                continue;
            }
            var functions = plugin
                .Where(f => known.All(g => !g.Functions.Contains(f.Name)) || groups.Any(g => g.Plugin == plugin.Name && g.Functions.Contains(f.Name))
                    || context.Offered?.Contains(QualifiedName(plugin.Name, f.Name)) == true)
                .ToList();
            if (functions.Count == plugin.FunctionCount)
            {
                chosen.Add(plugin);
            }
            else if (functions.Count > 0)
            {
                chosen.Add(KernelPluginFactory.CreateFromFunctions(plugin.Name, plugin.Description, functions));
            }
        }
        reason = why.Count == 0 ? "core only" : string.Join(", ", why.Distinct());
        if (context.Offered is { Count: > 0 })
        {
            reason += " + earlier turns' tools";
        }
        return chosen;
    }

    /// <summary>The name a tool is recorded under: <c>plugin_function</c>.</summary>
    public static string QualifiedName(string plugin, string function) => $"{plugin}_{function}";
}
