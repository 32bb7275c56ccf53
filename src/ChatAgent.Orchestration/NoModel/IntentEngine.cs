using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Orchestration.Guardrails;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Orchestration.Intents;
using ChatAgent.Orchestration.Knowledge;
using ChatAgent.Orchestration.Model;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Plugins;
using ChatAgent.Shop.Search;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.NoModel;

/// <summary>What a no-model turn ended with: nothing more to do, or a hand-over.</summary>
internal sealed record IntentTurnResult(string? HandoffReason, bool Failed);

/// <summary>
/// The bot without a language model: classifies the message with the embedding intent classifier, extracts slots,
/// and runs deterministic flows that call the same plugins through the same catalog (so the same authorization and
/// confirmation rules apply), asking for whatever is missing. The flow's progress rides in each answer's
/// <c>channelData.chatagent</c>, so it survives restarts with the transcript.
/// </summary>
internal sealed partial class IntentEngine(
    IServiceProvider services,
    PluginCatalog catalog,
    IntentClassifier classifier,
    KnowledgeBase knowledge,
    IOptions<OrchestratorOptions> options,
    ILogger<IntentEngine> logger)
{
    internal IServiceProvider Services => services;
    internal PluginCatalog Catalog => catalog;
    internal ILogger Logger => logger;

    private static readonly string[] Awaitables = ["verification", "order_id", "cancel_reason", "items", "address"];

    public async Task<IntentTurnResult> RunAsync(ITurnContext turn, Transcript transcript, CustomerSession session, ConfirmationOutcome confirmation, string text, CancellationToken ct)
    {
        var flow = new Flow(this, turn, session, ct);
        var prev = transcript.LastBotState is { } s && s["mode"]?.GetValue<string>() == "intent" ? s : null;
        var prevIntent = prev?["intent"]?.GetValue<string>();
        var awaiting = prev?["awaiting"]?.GetValue<string>();
        var slots = SlotExtractor.Extract(text);
        var orderId = slots.OrderIds.FirstOrDefault() ?? prev?["order_id"]?.GetValue<string>();

        // The gate already decided whether this message confirmed the waiting change.
        if (confirmation.Decision == ConfirmationDecision.Confirmed && confirmation.Handle is { } handle)
        {
            var applied = await flow.CallAsync("confirm_change", new() { ["handle"] = handle });
            return await flow.ReplyAsync(confirmation.Action ?? "change", applied is not null && !ToolResult.IsRefusal(applied)
                ? $"Done — {Describe(confirmation.Action)} for order {OrderOf(applied) ?? orderId ?? ""} is complete. {ChangeText(applied)}".Trim()
                : $"I couldn't apply that change: {ErrorOf(applied)}", failed: applied is null || ToolResult.IsRefusal(applied));
        }
        if (confirmation.Decision == ConfirmationDecision.Expired && awaiting == "confirmation" && IsNo(text))
        {
            return await flow.ReplyAsync(prevIntent ?? "cancel_order", "OK — I haven't changed anything. Is there anything else I can help with?");
        }

        var verifiedNow = false;
        if (await session.GetVerifiedCustomerIdAsync(ct) is null && (slots.Email is not null || slots.FirstName is not null && slots.Zip is not null))
        {
            var result = slots.Email is not null
                ? await flow.CallAsync("verify_customer_by_email", new() { ["email"] = slots.Email })
                : await flow.CallAsync("verify_customer_by_name_zip", new() { ["first_name"] = slots.FirstName, ["last_name"] = slots.LastName, ["zip"] = slots.Zip });
            using var doc = JsonDocument.Parse(result ?? "{}");
            if (doc.RootElement.TryGetProperty("verified", out var v) && v.GetBoolean())
            {
                verifiedNow = true;
            }
            else
            {
                if (doc.RootElement.TryGetProperty("transfer_to_human", out var t) && t.ValueKind == JsonValueKind.True)
                {
                    return new IntentTurnResult(HandoffReasons.VerificationLocked, true);
                }
                // Not counted as a failed answer: the shop's own attempt limit decides when verification goes to a person.
                return await flow.ReplyAsync(prevIntent ?? "verification", $"I couldn't find an account with those details. {ErrorOf(result)} Please check the email address on your account (or give me your first name, last name and zip code).",
                    awaiting: "verification", orderId: orderId);
            }
        }

        string intent;
        if (HelpWords().IsMatch(text))
        {
            return await flow.ReplyAsync("greeting", "Here's what I can do: check an order's status and tracking, cancel or change a pending order, start a return, change an address, find products, and answer questions about shipping, returns, refunds and payments.",
                suggestions: ["Where is my order?", "Cancel an order", "Return policy", "Talk to a person"]);
        }
        var continues = awaiting is not null && Awaitables.Contains(awaiting) && prevIntent is not null && (
            awaiting == "verification" && verifiedNow
            || awaiting == "order_id" && slots.OrderIds.Count > 0
            || awaiting == "cancel_reason" && slots.CancelReason is not null
            || awaiting == "items" && (ItemIds(text).Count > 0 || AllItems().IsMatch(text))
            || awaiting == "address" && ParseAddress(text) is not null);
        if (continues)
        {
            intent = prevIntent!;
        }
        else
        {
            var prediction = await classifier.ClassifyAsync(text, ct);
            logger.LogInformation("Intent {Intent} ({Score:F2}; runner-up {RunnerUp} {RunnerUpScore:F2})", prediction.Intent, prediction.Score, prediction.RunnerUp, prediction.RunnerUpScore);
            intent = prediction.IsConfident((float)options.Value.IntentThreshold) ? prediction.Intent : verifiedNow && prevIntent is not null ? prevIntent : "unsure";
            if (intent == "unsure" && slots.OrderIds.Count == 0 && await NamesAProductAsync(text, ct))
            {
                // Short shopping questions ("got any bluetooth speakers") sit far from every example sentence, but the
                // catalogue recognises them: both retrievers put the same product first.
                intent = "product_search";
            }
            if (slots.OrderIds.Count > 0 && intent is "shipping_policy" or "greeting" or "unsure")
            {
                intent = "order_status";
            }
            if (verifiedNow && intent is "unsure" or "greeting" or "thanks")
            {
                return await flow.ReplyAsync("verification", "Thanks — you're verified. What can I help you with: an order's status, a cancellation, a return, or an address change?");
            }
        }

        return intent switch
        {
            "greeting" => await flow.ReplyAsync(intent, "Hi! I can check an order's status and tracking, cancel or change a pending order, start a return, change an address, find products, and answer questions about shipping, returns, refunds and payments. What can I do for you?",
                suggestions: ["Where is my order?", "Cancel an order", "Return policy", "Talk to a person"]),
            "thanks" => await flow.ReplyAsync(intent, "You're welcome! Is there anything else I can help with?"),
            "order_status" => await OrderStatusAsync(flow, intent, orderId),
            "cancel_order" => await CancelAsync(flow, intent, orderId, slots),
            "return_exchange" => await ReturnAsync(flow, intent, orderId, text),
            "change_address" => await AddressAsync(flow, intent, orderId, text),
            "refund" or "invoice" => orderId is null || await session.GetVerifiedCustomerIdAsync(ct) is null
                ? await PolicyAsync(flow, intent, text, intent == "refund" ? "refunds how long refunds take" : "payments charged", tail: "If you give me your order number and the email on your account, I can look at that order's payments and refunds.", awaiting: "order_id", orderId: orderId)
                : await PaymentsAsync(flow, intent, orderId),
            "shipping_policy" => await PolicyAsync(flow, intent, text, "shipping delivery times costs"),
            "refund_policy" => await PolicyAsync(flow, intent, text, "returns refunds cancelling"),
            "payment_policy" => await PolicyAsync(flow, intent, text, "accepted payment methods"),
            "product_search" => await CatalogAsync(flow, intent, "search", slots.ProductPhrase ?? text, "search the catalogue"),
            "recommendation" => await CatalogAsync(flow, intent, "recommend", text, "make recommendations"),
            "human_agent" => new IntentTurnResult(HandoffReasons.CustomerAsked, false),
            "complaint" => new IntentTurnResult(HandoffReasons.Frustration, false),
            "payment_issue" => new IntentTurnResult("payment problem that needs a person", false),
            "change_order" => await NeedsPersonAfterVerificationAsync(flow, intent, orderId, "changing the items of an order"),
            "feedback" => await flow.ReplyAsync(intent, "Thank you — we'd love to hear it! You can leave a review on the product's page, or write it here and I'll make sure our team sees it."),
            "account" => await flow.ReplyAsync(intent, "Account settings — password, sign-up, email preferences and the newsletter — are managed on our website under \"My account\". If you're stuck there, say \"talk to a person\" and I'll bring in our team."),
            "out_of_scope" => await flow.ReplyAsync(intent, "Sorry, I can only help with things about our shop — your orders, our products, and our shipping, returns, refund and payment policies. Is there something like that I can do for you?"),
            _ => await flow.ReplyAsync("unsure", "I'm not sure I understood. I can help with order status, cancellations, returns, address changes, products, and our shipping, returns, refund and payment policies — or bring in a person. Could you say it another way?",
                failed: true, suggestions: ["Where is my order?", "Return policy", "Talk to a person"]),
        };
    }

    /// <summary>True when keyword and meaning search agree on the best product for the message.</summary>
    private async Task<bool> NamesAProductAsync(string text, CancellationToken ct)
    {
        if (services.GetService<ProductSearchService>() is not { } search)
        {
            return false;
        }
        var result = await search.SearchAsync(new ProductSearchRequest(text, Limit: 1), ct);
        return result.Hits is [{ MatchedBy: var by }, ..] && by.Contains("keywords") && by.Contains("meaning");
    }

    private static async Task<IntentTurnResult?> RequireVerifiedAsync(Flow flow, string intent, string? orderId)
    {
        if (await flow.Session.GetVerifiedCustomerIdAsync(flow.Ct) is not null)
        {
            return null;
        }
        return await flow.ReplyAsync(intent, "I can help with that. First I need to verify you: what's the email address on your account? (Or give me your first name, last name and zip code.)",
            awaiting: "verification", orderId: orderId);
    }

    private static async Task<IntentTurnResult?> RequireOrderAsync(Flow flow, string intent, string? orderId)
    {
        if (orderId is not null)
        {
            return null;
        }
        var list = await flow.CallAsync("list_orders", new());
        var orders = list is null || ToolResult.IsRefusal(list) ? [] : JsonNode.Parse(list)?["orders"] as JsonArray ?? [];
        var lines = orders.Take(8).Select(o => $"- {o?["order_id"]}: {o?["status"]} ({string.Join(", ", (o?["items"] as JsonArray ?? []).Select(i => i?.ToString()))})");
        return await flow.ReplyAsync(intent, orders.Count == 0
            ? "Which order is it? Please give me the order number (it looks like #W1234567)."
            : "Which order is it? Here are your orders:\n" + string.Join("\n", lines), awaiting: "order_id");
    }

    private static async Task<IntentTurnResult> OrderStatusAsync(Flow flow, string intent, string? orderId)
    {
        if (await RequireVerifiedAsync(flow, intent, orderId) is { } ask) return ask;
        if (await RequireOrderAsync(flow, intent, orderId) is { } which) return which;
        var details = await flow.CallAsync("get_order_details", new() { ["order_id"] = orderId });
        if (details is null || ToolResult.IsRefusal(details))
        {
            return await flow.ReplyAsync(intent, $"I couldn't find that order: {ErrorOf(details)}", failed: true, awaiting: "order_id");
        }
        var o = JsonNode.Parse(details)!;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Order {o["order_id"]} is **{o["status"]}**.");
        var items = (o["items"] as JsonArray ?? []).Select(i => i?["name"]?.ToString()).OfType<string>().ToList();
        if (items.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $" Items: {string.Join(", ", items)}.");
        }
        var tracking = (o["fulfillments"] as JsonArray ?? []).SelectMany(f => f?["tracking_id"] as JsonArray ?? []).Select(t => t?.ToString()).OfType<string>().ToList();
        sb.Append(tracking.Count > 0 ? $" Tracking number: {string.Join(", ", tracking)}." : " There's no tracking number yet — you'll get one by email when it ships.");
        return await flow.ReplyAsync(intent, sb.ToString(), orderId: orderId);
    }

    private static async Task<IntentTurnResult> CancelAsync(Flow flow, string intent, string? orderId, Slots slots)
    {
        if (await RequireVerifiedAsync(flow, intent, orderId) is { } ask) return ask;
        if (await RequireOrderAsync(flow, intent, orderId) is { } which) return which;
        if (slots.CancelReason is null)
        {
            return await flow.ReplyAsync(intent, $"Why would you like to cancel order {orderId}: is it **no longer needed**, or was it **ordered by mistake**?", awaiting: "cancel_reason", orderId: orderId);
        }
        var proposal = await flow.CallAsync("cancel_pending_order", new() { ["order_id"] = orderId, ["reason"] = slots.CancelReason });
        if (proposal is null || ToolResult.IsRefusal(proposal))
        {
            return await flow.ReplyAsync(intent, $"I can't cancel order {orderId}: {ErrorOf(proposal)}", failed: true, orderId: orderId);
        }
        return await flow.ReplyAsync(intent, $"I'm ready to cancel order {orderId} (reason: {slots.CancelReason}). {ChangeText(proposal)}\nReply **yes** to confirm the cancellation, or anything else to keep the order.",
            awaiting: "confirmation", orderId: orderId, suggestions: ["Yes", "No, keep it"]);
    }

    private static async Task<IntentTurnResult> ReturnAsync(Flow flow, string intent, string? orderId, string text)
    {
        if (await RequireVerifiedAsync(flow, intent, orderId) is { } ask) return ask;
        if (await RequireOrderAsync(flow, intent, orderId) is { } which) return which;
        if (ExchangeWords().IsMatch(text))
        {
            return new IntentTurnResult("exchange requested: a person picks the replacement item with the customer", false);
        }
        var details = await flow.CallAsync("get_order_details", new() { ["order_id"] = orderId });
        if (details is null || ToolResult.IsRefusal(details))
        {
            return await flow.ReplyAsync(intent, $"I couldn't find that order: {ErrorOf(details)}", failed: true, awaiting: "order_id");
        }
        var order = JsonNode.Parse(details)!;
        if (!string.Equals(order["status"]?.ToString(), "delivered", StringComparison.OrdinalIgnoreCase))
        {
            return await flow.ReplyAsync(intent, $"Order {orderId} is {order["status"]}, so it can't be returned yet — only delivered orders can be returned. (A pending order can be cancelled instead.)", orderId: orderId);
        }
        var items = (order["items"] as JsonArray ?? []).Select(i => (Id: i?["item_id"]?.ToString() ?? "", Name: i?["name"]?.ToString() ?? "")).ToList();
        var wanted = AllItems().IsMatch(text) ? items.Select(i => i.Id).ToList() : ItemIds(text).Where(id => items.Any(i => i.Id == id)).ToList();
        if (wanted.Count == 0)
        {
            return await flow.ReplyAsync(intent, $"Which items of order {orderId} would you like to return? Reply with the item ids, or \"all\":\n" + string.Join("\n", items.Select(i => $"- {i.Name} (item {i.Id})")),
                awaiting: "items", orderId: orderId);
        }
        var payment = (order["payment_history"] as JsonArray ?? []).FirstOrDefault(p => p?["transaction_type"]?.ToString() == "payment")?["payment_method_id"]?.ToString();
        var proposal = await flow.CallAsync("return_delivered_order_items", new() { ["order_id"] = orderId, ["item_ids"] = wanted.ToArray(), ["payment_method_id"] = payment ?? "" });
        if (proposal is null || ToolResult.IsRefusal(proposal))
        {
            return await flow.ReplyAsync(intent, $"I can't set up that return: {ErrorOf(proposal)}", failed: true, orderId: orderId);
        }
        return await flow.ReplyAsync(intent, $"Here's the return for order {orderId}, refunded to the original payment method. {ChangeText(proposal)}\nReply **yes** to confirm the return.",
            awaiting: "confirmation", orderId: orderId, suggestions: ["Yes", "No"]);
    }

    private static async Task<IntentTurnResult> AddressAsync(Flow flow, string intent, string? orderId, string text)
    {
        if (await RequireVerifiedAsync(flow, intent, orderId) is { } ask) return ask;
        if (ParseAddress(text) is not { } address)
        {
            return await flow.ReplyAsync(intent, $"What's the new address{(orderId is null ? " (for your account's default address; give an order number to change one order)" : $" for order {orderId}")}? Please write it as: street, apartment (or -), city, state, country, zip.",
                awaiting: "address", orderId: orderId);
        }
        KernelArguments args = new()
        {
            ["address1"] = address[0], ["address2"] = address[1], ["city"] = address[2], ["state"] = address[3], ["country"] = address[4], ["zip"] = address[5],
        };
        if (orderId is not null)
        {
            args["order_id"] = orderId;
        }
        var proposal = await flow.CallAsync(orderId is null ? "modify_default_address" : "modify_pending_order_address", args);
        if (proposal is null || ToolResult.IsRefusal(proposal))
        {
            return await flow.ReplyAsync(intent, $"I can't change that address: {ErrorOf(proposal)}", failed: true, orderId: orderId);
        }
        return await flow.ReplyAsync(intent, $"Here's the address change. {ChangeText(proposal)}\nReply **yes** to confirm it.", awaiting: "confirmation", orderId: orderId, suggestions: ["Yes", "No"]);
    }

    private static async Task<IntentTurnResult> PaymentsAsync(Flow flow, string intent, string orderId)
    {
        var details = await flow.CallAsync("get_order_details", new() { ["order_id"] = orderId });
        if (details is null || ToolResult.IsRefusal(details))
        {
            return await flow.ReplyAsync(intent, $"I couldn't find that order: {ErrorOf(details)}", failed: true, awaiting: "order_id");
        }
        var order = JsonNode.Parse(details)!;
        var lines = (order["payment_history"] as JsonArray ?? []).Select(p => $"- {p?["transaction_type"]}: ${p?["amount"]} ({p?["payment_method_id"]})");
        return await flow.ReplyAsync(intent, $"Order {orderId} ({order["status"]}, total ${order["total"]}) has these payments and refunds:\n{string.Join("\n", lines)}\nRefunds reach card and PayPal accounts 5–7 business days after they're issued.", orderId: orderId);
    }

    private async Task<IntentTurnResult> PolicyAsync(Flow flow, string intent, string text, string hint, string? tail = null, string? awaiting = null, string? orderId = null)
    {
        var hits = await knowledge.SearchAsync(text, 1, options.Value.KnowledgeThreshold, flow.Ct);
        if (hits.Count == 0)
        {
            hits = await knowledge.SearchAsync(hint, 1, 0, flow.Ct);
        }
        if (hits.Count == 0)
        {
            return await flow.ReplyAsync(intent, "I don't have our policy documents at hand right now. A person from our team can answer that — just say \"talk to a person\".", failed: true);
        }
        var p = hits[0].Passage;
        return await flow.ReplyAsync(intent, $"{p.Text}\n\n_Source: {p.Citation}_{(tail is null ? "" : "\n\n" + tail)}", awaiting: awaiting, orderId: orderId,
            extra: new JsonObject { ["source"] = p.Source, ["section"] = p.Title });
    }

    private static async Task<IntentTurnResult> CatalogAsync(Flow flow, string intent, string functionPart, string query, string what)
    {
        var function = flow.Plugins.SelectMany(p => p).FirstOrDefault(f => f.Name.Contains(functionPart, StringComparison.OrdinalIgnoreCase));
        if (function is null)
        {
            return await flow.ReplyAsync(intent, $"I can't {what} in this chat yet — please browse the shop's website, or ask me about an order or our policies.", failed: false);
        }
        var args = new KernelArguments();
        if (function.Metadata.Parameters.FirstOrDefault(p => p.ParameterType == typeof(string)) is { } first)
        {
            args[first.Name] = query;
        }
        var result = await flow.CallAsync(function.Name, args);
        if (result is null || ToolResult.IsRefusal(result))
        {
            return await flow.ReplyAsync(intent, $"Sorry, I couldn't {what} just now: {ErrorOf(result)}", failed: true);
        }
        // [experience hook: product cards] the products also go as hero cards (Replies.ProductCards); the lead
        // re-wires this into the dialogue helper's ReplyAsync(..., attachments) at merge.
        var cards = flow.Engine.Services.GetService<Replies.ProductCards>()?.FromSearchResult(result);
        return await flow.ReplyAsync(intent, "Here's what I found:\n" + Listing(result), attachments: cards);
    }

    private static async Task<IntentTurnResult> NeedsPersonAfterVerificationAsync(Flow flow, string intent, string? orderId, string what)
    {
        if (await RequireVerifiedAsync(flow, intent, orderId) is { } ask) return ask;
        return new IntentTurnResult($"{what} needs a person in this chat", false);
    }

    /// <summary>Renders a tool's JSON result as short lines for the customer (names, prices, reasons), without exposing raw JSON.</summary>
    private static string Listing(string json)
    {
        var node = JsonNode.Parse(json);
        var array = node as JsonArray ?? (node as JsonObject)?.Select(kv => kv.Value).OfType<JsonArray>().FirstOrDefault();
        if (array is null)
        {
            return json;
        }
        return string.Join("\n", array.Take(5).Select(item => item is JsonObject o
            ? "- " + string.Join(" — ", new[] { "name", "title", "price", "reason" }.Select(k => o[k]?.ToString()).Where(v => !string.IsNullOrEmpty(v)))
            : $"- {item}"));
    }

    private static string? OrderOf(string? json)
    {
        var m = json is null ? null : OrderIdIn().Match(json);
        return m is { Success: true } ? m.Value : null;
    }

    private static string ChangeText(string? json)
    {
        if (json is null) return "";
        var change = JsonNode.Parse(json)?["change"] as JsonObject;
        if (change is null) return "";
        var parts = change.Where(kv => kv.Value is not null && kv.Key != "handle").Select(kv => $"{kv.Key.Replace('_', ' ')}: {Flatten(kv.Value!)}");
        return string.Join("; ", parts) + ".";
    }

    private static string Flatten(JsonNode node) => node switch
    {
        JsonArray a => string.Join(", ", a.Select(x => x is null ? "" : Flatten(x))),
        JsonObject o => string.Join(", ", o.Where(kv => kv.Value is not null && kv.Value.ToString().Length > 0).Select(kv => $"{kv.Key.Replace('_', ' ')} {Flatten(kv.Value!)}")),
        _ => node.ToString(),
    };

    private static string ErrorOf(string? json)
    {
        if (json is null) return "that isn't available here.";
        try
        {
            var error = JsonNode.Parse(json)?["error"]?.ToString();
            return string.IsNullOrWhiteSpace(error) ? "" : error;
        }
        catch (JsonException)
        {
            return "";
        }
    }

    private static string Describe(string? action) => action switch
    {
        "cancel_pending_order" => "the cancellation",
        "return_delivered_order_items" => "the return",
        "exchange_delivered_order_items" => "the exchange",
        "modify_pending_order_address" or "modify_default_address" => "the address change",
        _ => "the change",
    };

    private static bool IsNo(string text) => NoWords().IsMatch(text);

    private static List<string> ItemIds(string text) => ItemId().Matches(text).Select(m => m.Value).ToList();

    /// <summary>"street, apt, city, state, country, zip" (apartment optional): six or five comma-separated parts ending in a zip.</summary>
    internal static string[]? ParseAddress(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length == 5)
        {
            parts = [parts[0], "", parts[1], parts[2], parts[3], parts[4]];
        }
        if (parts.Length != 6 || !Regex.IsMatch(parts[5], @"^\d{5}(-\d{4})?$") || parts[0].Length < 3 || parts[2].Length < 2)
        {
            return null;
        }
        if (parts[1] == "-")
        {
            parts[1] = "";
        }
        return parts;
    }

    [GeneratedRegex(@"^\s*(?:no|nope|nah|don't|do not|stop|keep it|cancel that|never ?mind)\b", RegexOptions.IgnoreCase)]
    private static partial Regex NoWords();

    [GeneratedRegex(@"^\s*(?:help|menu|options|\?|what can you do\??)\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex HelpWords();

    [GeneratedRegex(@"\b\d{10}\b")]
    private static partial Regex ItemId();

    [GeneratedRegex(@"\b(?:all|everything|whole order|all of them|all items)\b", RegexOptions.IgnoreCase)]
    private static partial Regex AllItems();

    [GeneratedRegex(@"\b(?:exchange|swap|different size|another size|other colou?r|replace)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ExchangeWords();

    [GeneratedRegex(@"#W\d{7}")]
    private static partial Regex OrderIdIn();

    /// <summary>One turn's plumbing: the conversation's plugins, tool calls recorded in the transcript, and the reply with its state.</summary>
    private sealed class Flow(IntentEngine engine, ITurnContext turn, CustomerSession session, CancellationToken ct)
    {
        private IReplyStream? _stream;
        private IReadOnlyList<KernelPlugin>? _plugins;

        public CustomerSession Session => session;
        public CancellationToken Ct => ct;
        public IReadOnlyList<KernelPlugin> Plugins => _plugins ??= engine.Catalog.CreatePlugins(engine.Services, session);

        public async Task<string?> CallAsync(string function, KernelArguments arguments)
        {
            var (plugin, fn) = Plugins.SelectMany(p => p.Select(f => (Plugin: p, Function: f))).FirstOrDefault(x => x.Function.Name == function);
            if (fn is null)
            {
                return null;
            }
            _stream ??= turn.BeginStream();
            await _stream.InformAsync(ToolCallFilter.Describe(function, [.. arguments]), ct);
            string result;
            try
            {
                var value = await fn.InvokeAsync(new Kernel(engine.Services), arguments, ct);
                result = value.GetValue<object>()?.ToString() ?? "";
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                engine.Logger.LogWarning(ex, "Tool {Tool} failed in conversation {ConversationId}", function, turn.Conversation.Id);
                result = ToolResult.Refused("The shop's system could not complete this request right now.");
            }
            var record = Transcript.ToolValue(plugin.Name, function, arguments, result, ToolResult.IsRefusal(result));
            await turn.SendAsync(new Activity { Type = ActivityTypes.Event, Name = TranscriptEvents.Tool, Value = record }, ct);
            engine.Logger.LogInformation("Tool {Tool}({Arguments})", function, Redactor.Redact(record["arguments"]!.ToJsonString()));
            return result;
        }

        public IntentEngine Engine => engine;

        public async Task<IntentTurnResult> ReplyAsync(string intent, string text, bool failed = false, string? awaiting = null, string? orderId = null, IReadOnlyList<string>? suggestions = null, JsonObject? extra = null, IReadOnlyList<Attachment>? attachments = null)
        {
            var state = new JsonObject { ["mode"] = "intent", ["intent"] = intent, ["outcome"] = failed ? "failed" : "ok" };
            if (awaiting is not null) state["awaiting"] = awaiting;
            if (orderId is not null) state["order_id"] = orderId;
            foreach (var (k, v) in extra ?? [])
            {
                state[k] = v?.DeepClone();
            }
            var reply = new Activity
            {
                Text = text,
                ChannelData = new JsonObject { [TranscriptEvents.StateKey] = state },
                SuggestedActions = suggestions is null ? null : new SuggestedActions { Actions = [.. suggestions.Select(s => CardAction.ImBack(s))] },
                // [experience hook: product cards]
                Attachments = attachments is { Count: > 0 } ? [.. attachments] : null,
                AttachmentLayout = attachments is { Count: > 1 } ? "carousel" : null,
            };
            if (_stream is not null)
            {
                await _stream.CompleteAsync(reply, ct);
            }
            else
            {
                reply.TextFormat = "markdown";
                await turn.SendAsync(reply, ct);
            }
            return new IntentTurnResult(null, failed);
        }
    }
}
