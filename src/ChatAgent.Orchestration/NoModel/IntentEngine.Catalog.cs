using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatAgent.Conversations.Activities;
using ChatAgent.Orchestration.Intents;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop.Plugins;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.NoModel;

/// <summary>Product questions (with the search's constraints and nearest alternatives), follow-ups on listed products, and plugin-declared intents.</summary>
internal sealed partial class IntentEngine
{
    private const int ListedProducts = 5;

    /// <summary>Hero cards for the listed products (or the nearest alternatives), beside the text list.</summary>
    private IReadOnlyList<Attachment>? ProductCards(IEnumerable<JsonObject> listed)
    {
        var cards = services.GetService<Replies.ProductCards>();
        return cards is null ? null : listed.Take(ListedProducts).Select(cards.Card).OfType<Attachment>().ToList();
    }

    private async Task<IntentTurnResult> ProductSearchAsync(FlowTurn flow, string intent, string query)
    {
        if (!flow.HasFunction("search_products"))
        {
            return await CatalogAsync(flow, intent, "search", query, "search the catalogue");
        }
        // The search reads constraints from the query itself when it can (then says so in "understood"); a price cap
        // is also passed explicitly, so the listed matches respect it either way.
        var (min, max) = SlotExtractor.PriceRange(query);
        var arguments = new KernelArguments { ["query"] = query };
        if (min is not null) arguments["min_price"] = min;
        if (max is not null) arguments["max_price"] = max;
        var result = await flow.CallAsync("search_products", arguments);
        if (result is null || ToolResult.IsRefusal(result))
        {
            return await ResumeOrCloseAsync(flow, intent, flow.T("cannot_do", ("reason", ErrorOf(result) ?? flow.T("unavailable"))), failed: true);
        }
        var node = JsonNode.Parse(result) as JsonObject ?? [];
        var products = (node["products"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var alternatives = (node["alternatives"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var understood = node["understood"]?.GetValue<string>() is { Length: > 0 } u ? u : null;
        var exact = node["exact"] is JsonValue e && e.TryGetValue<bool>(out var x) ? x : products.Count > 0;
        if (products.Count == 0 && alternatives.Count == 0 && (min is not null || max is not null))
        {
            // Nothing within the price: the nearest products without it, labelled as such.
            var wider = await flow.CallAsync("search_products", new() { ["query"] = query });
            alternatives = (JsonNode.Parse(wider ?? "{}")?["products"] as JsonArray ?? []).OfType<JsonObject>().ToList();
            understood ??= min is not null && max is not null ? $"{format.Money(min.Value)}–{format.Money(max.Value)}" : max is not null ? flow.T("under_price", ("price", format.Money(max.Value))) : flow.T("over_price", ("price", format.Money(min!.Value)));
            exact = false;
        }
        flow.State.Products.Clear();
        flow.State.Focus = null;
        string text;
        if (!exact || products.Count == 0)
        {
            var nearest = alternatives.Count > 0 ? alternatives : products;
            if (nearest.Count == 0)
            {
                return await ResumeOrCloseAsync(flow, intent, flow.T(understood is null ? "no_products" : "no_products_for", ("query", query), ("understood", understood)));
            }
            Remember(flow, nearest);
            text = flow.T(understood is null ? "no_exact_match" : "no_exact_match_for", ("understood", understood), ("query", query)) + "\n"
                + string.Join("\n", nearest.Take(ListedProducts).Select(p => "- " + flow.T("alternative_line", ("name", p["name"]?.ToString()), ("price", Price(p["price"])), ("why", p["why"]?.ToString() is { Length: > 0 } why ? $"({why})" : ""))));
        }
        else
        {
            Remember(flow, products);
            text = flow.T(understood is null ? "products_found" : "products_found_for", ("understood", understood)) + "\n"
                + string.Join("\n", products.Take(ListedProducts).Select(p => "- " + flow.T(p["in_stock"] is JsonValue s && s.TryGetValue<bool>(out var inStock) && !inStock ? "product_line_sold_out" : "product_line",
                    ("name", p["name"]?.ToString()), ("price", Price(p["price"])))));
        }
        text += "\n\n" + flow.T("product_follow_up");
        return await ResumeOrCloseAsync(flow, intent, text, attachments: ProductCards(exact && products.Count > 0 ? products : alternatives.Count > 0 ? alternatives : products));
    }

    private static void Remember(FlowTurn flow, IEnumerable<JsonObject> listed)
    {
        foreach (var p in listed.Take(ListedProducts))
        {
            if (p["product_id"]?.ToString() is { } id)
            {
                flow.State.Products.Add(new ListedProduct(id, p["name"]?.ToString() ?? id));
            }
        }
    }

    /// <summary>A price as the search writes it ("12.00", "12.00-15.00", or a number) in the shop's currency.</summary>
    private string Price(JsonNode? price)
    {
        if (price is JsonValue v && v.TryGetValue<decimal>(out var single))
        {
            return format.Money(single);
        }
        var parts = (price?.ToString() ?? "").Split(['-', '–'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => decimal.TryParse(p.TrimStart('$'), NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? d : (decimal?)null).ToList();
        return parts switch
        {
            [{ } one] => format.Money(one),
            [{ } min, { } max] => format.MoneyRange(min, max),
            _ => price?.ToString() ?? "",
        };
    }

    /// <summary>"tell me more about the second one", "is it in stock in blue?": about a product the bot just listed.</summary>
    private async Task<IntentTurnResult?> ProductFollowUpAsync(FlowTurn flow, string text)
    {
        var availability = AvailabilityWords().IsMatch(text);
        var details = DetailWords().IsMatch(text);
        var t = ReferenceResolver.Normalise(text);
        var position = ReferenceResolver.Position(t);
        if (!availability && !details && position is null)
        {
            return null;
        }
        ListedProduct? product = null;
        if (position is { } index && index < flow.State.Products.Count)
        {
            product = flow.State.Products[index];
        }
        else
        {
            var words = ReferenceResolver.ContentWords(t);
            var scored = flow.State.Products.Select(p => (Product: p, Score: words.Count(w => ReferenceResolver.Normalise(p.Name).Split(' ', StringSplitOptions.RemoveEmptyEntries).Any(n => ReferenceResolver.Similar(w, n)))))
                .Where(s => s.Score > 0).OrderByDescending(s => s.Score).ToList();
            if (scored.Count > 0 && (scored.Count == 1 || scored[0].Score > scored[1].Score))
            {
                product = scored[0].Product;
            }
            else if (scored.Count == 0 && Regex.IsMatch(t, @"\b(?:it|that|this|this one|that one|them)\b"))
            {
                product = flow.State.Products.FirstOrDefault(p => p.Id == flow.State.Focus) ?? (flow.State.Products.Count == 1 ? flow.State.Products[0] : null);
            }
        }
        if (product is null)
        {
            return null;
        }
        flow.State.Focus = product.Id;
        var detailsJson = await flow.CallAsync("get_product_details", new() { ["product_id"] = product.Id });
        if (detailsJson is null || ToolResult.IsRefusal(detailsJson))
        {
            return await flow.ReplyAsync("product_details", flow.T("cannot_do", ("reason", ErrorOf(detailsJson) ?? flow.T("unavailable"))), failed: true);
        }
        var info = JsonNode.Parse(detailsJson) as JsonObject ?? [];
        var options = (info["options"] as JsonObject ?? []).Select(kv => (Name: kv.Key, Values: (kv.Value as JsonArray ?? []).Select(v => v?.ToString() ?? "").ToList())).ToList();
        var variants = (info["variants"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (availability)
        {
            var words = ReferenceResolver.ContentWords(t);
            var wanted = options.SelectMany(o => o.Values.Where(v => ReferenceResolver.Normalise(v).Trim() is var nv && (t.Contains($" {nv} ", StringComparison.Ordinal) || words.Any(w => ReferenceResolver.Similar(w, nv)))).Select(v => $"{o.Name}={v}")).ToList();
            var check = await flow.CallAsync("check_availability", new() { ["product_id"] = product.Id, ["options"] = wanted.Count == 0 ? null : string.Join("; ", wanted) });
            var a = JsonNode.Parse(check ?? "{}") as JsonObject ?? [];
            var asked = wanted.Count == 0 ? "" : string.Join(", ", wanted.Select(w => w.Split('=')[1]));
            if (ErrorOf(check) is { } problem)
            {
                return await flow.ReplyAsync("product_availability", flow.T("cannot_do", ("reason", problem)), failed: true);
            }
            var available = a["available"] is JsonValue av && av.TryGetValue<bool>(out var yes) && yes;
            var prices = (a["available_variants"] as JsonArray ?? []).Select(v => v?["price"]?.GetValue<decimal>() ?? 0).ToList();
            var key = available ? (asked.Length == 0 ? "in_stock" : "in_stock_with") : a["note"] is not null ? "no_such_option" : (asked.Length == 0 ? "sold_out" : "sold_out_with");
            return await flow.ReplyAsync("product_availability", flow.T(key, ("name", product.Name), ("options", asked), ("count", prices.Count.ToString(format.Culture)),
                ("price", prices.Count == 0 ? "" : format.MoneyRange(prices.Min(), prices.Max()))));
        }
        var allPrices = variants.Select(v => v["price"]?.GetValue<decimal>() ?? 0).ToList();
        var optionText = string.Join("; ", options.Select(o => $"{o.Name}: {string.Join(", ", o.Values)}"));
        var inStock = variants.Any(v => v["available"] is JsonValue s && s.TryGetValue<bool>(out var ok) && ok);
        return await flow.ReplyAsync("product_details", flow.T("product_details", ("name", info["name"]?.ToString() ?? product.Name), ("description", info["description"]?.ToString() ?? ""),
            ("price", allPrices.Count == 0 ? "" : format.MoneyRange(allPrices.Min(), allPrices.Max())), ("options", optionText), ("stock", flow.T(inStock ? "stock_yes" : "stock_no"))));
    }

    private static async Task<IntentTurnResult> CatalogAsync(FlowTurn flow, string intent, string functionPart, string query, string what)
    {
        var function = flow.Plugins.SelectMany(p => p).FirstOrDefault(f => f.Name.Contains(functionPart, StringComparison.OrdinalIgnoreCase));
        if (function is null)
        {
            return await ResumeOrCloseAsync(flow, intent, flow.T("catalog_unavailable", ("what", what)));
        }
        var args = new KernelArguments();
        if (function.Metadata.Parameters.FirstOrDefault(p => p.ParameterType == typeof(string)) is { } first)
        {
            args[first.Name] = query;
        }
        var result = await flow.CallAsync(function.Name, args);
        if (result is null || ToolResult.IsRefusal(result))
        {
            return await ResumeOrCloseAsync(flow, intent, flow.T("cannot_do", ("reason", ErrorOf(result) ?? flow.T("unavailable"))), failed: true);
        }
        var node = JsonNode.Parse(result);
        var array = node as JsonArray ?? (node as JsonObject)?.Select(kv => kv.Value).OfType<JsonArray>().FirstOrDefault() ?? [];
        var listed = array.OfType<JsonObject>().Take(ListedProducts).ToList();
        Remember(flow, listed);
        var lines = listed.Select(o => "- " + string.Join(" — ", new[] { "name", "title", "reason" }.Select(k => o[k]?.ToString()).Where(v => !string.IsNullOrEmpty(v))));
        return await ResumeOrCloseAsync(flow, intent, flow.T("recommendations") + "\n" + string.Join("\n", lines));
    }

    /// <summary>A plugin function declared with <see cref="NoModelIntentAttribute"/>: fill its parameters, ask for what is missing, call it, answer.</summary>
    private async Task<IntentTurnResult> PluginFlowAsync(FlowTurn flow, DialogueFrame frame, PluginIntent plugin, string text)
    {
        if (plugin.RequiresVerifiedCustomer && await flow.Session.GetVerifiedCustomerIdAsync(flow.Ct) is null)
        {
            var question = flow.T("ask_verification");
            frame.Waiting = new WaitingFor("customer", "verification", [], question);
            return await flow.ReplyAsync(plugin.Intent, flow.T("verify_first", ("question", question)));
        }
        var answering = frame.Waiting?.Kind;
        frame.Waiting = null;
        var arguments = new KernelArguments();
        foreach (var parameter in plugin.Parameters)
        {
            if (!frame.Slots.ContainsKey(parameter.Name) && PluginIntents.Read(parameter, text, answering == "plugin:" + parameter.Name) is { } value)
            {
                frame.Slots[parameter.Name] = Convert.ToString(value, CultureInfo.InvariantCulture)!;
            }
            if (frame.Slots.TryGetValue(parameter.Name, out var filled))
            {
                arguments[parameter.Name] = parameter.Kind is "hour" or "number" && int.TryParse(filled, CultureInfo.InvariantCulture, out var n) ? n : filled;
            }
            else if (parameter.Required)
            {
                var what = parameter.Description.TrimEnd('.');
                var question = flow.T("plugin_ask", ("what", what.Length > 1 && !char.IsUpper(what[1]) ? char.ToLowerInvariant(what[0]) + what[1..] : what));
                frame.Waiting = new WaitingFor(parameter.Name, "plugin:" + parameter.Name, [], question);
                return await flow.ReplyAsync(plugin.Intent, question);
            }
        }
        var result = await flow.CallAsync(plugin.Function, arguments, plugin.Plugin);
        flow.State.Pop();
        if (result is null || ToolResult.IsRefusal(result))
        {
            return await ResumeOrCloseAsync(flow, plugin.Intent, flow.T("cannot_do", ("reason", ErrorOf(result) ?? flow.T("unavailable"))), failed: true);
        }
        var fields = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (JsonNode.Parse(result) is JsonObject o)
        {
            foreach (var (k, v) in o)
            {
                fields[k] = v is JsonValue jv && jv.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? (jv.GetValue<bool>() ? "yes" : "no") : v?.ToString();
            }
        }
        var key = "plugin." + plugin.Intent;
        var answer = replies.Has(key, flow.Language) ? replies.Render(key, flow.Language, fields)
            : plugin.Reply is { } template ? Regex.Replace(template, @"\{([a-z_]+)\}", m => fields.TryGetValue(m.Groups[1].Value, out var f) ? f ?? "" : m.Value)
            : string.Join("\n", fields.Where(f => !string.IsNullOrEmpty(f.Value)).Select(f => $"- {f.Key.Replace('_', ' ')}: {f.Value}"));
        return await ResumeOrCloseAsync(flow, plugin.Intent, answer);
    }

    [GeneratedRegex(@"\b(?:in stock|available|availability|come in|comes in|have (?:it|them|one) in|do you have (?:it|them|one) in|sold out|can i (?:get|buy) (?:it|one|them) in)\b", RegexOptions.IgnoreCase)]
    private static partial Regex AvailabilityWords();

    [GeneratedRegex(@"\b(?:tell me (?:more|about)|more about|more info|more information|details|describe|what is it like|what's it like|how much is|what about|specs|which colou?rs|what colou?rs|what sizes|options)\b", RegexOptions.IgnoreCase)]
    private static partial Regex DetailWords();
}
