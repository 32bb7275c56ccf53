using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Orchestration.Intents;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Orders;
using ChatAgent.Shop.Plugins;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.NoModel;

/// <summary>The flows on the verified customer's orders: status, cancel, return, address, payments.</summary>
internal sealed partial class IntentEngine
{
    private async Task<IntentTurnResult> OrderTaskAsync(FlowTurn flow, DialogueFrame frame, string text, Slots slots, bool fresh)
    {
        var intent = frame.Flow;
        // Slots from the whole message: "cancel the sleeping bag order, no longer needed" fills three at once.
        if (slots.OrderIds.Count > 0)
        {
            frame.Slots["order_id"] = slots.OrderIds[0];
            frame.Slots.Remove("order_ref");
        }
        else if (fresh && frame.Slot("order_id") is null)
        {
            frame.Slots["order_ref"] = text;
        }
        if (slots.CancelReason is { } reason)
        {
            frame.Slots["reason"] = reason;
        }
        if (fresh && intent == "return_exchange")
        {
            frame.Slots["items_ref"] = text;
        }
        if (intent == "return_exchange" && RefundMethodIn(text) is { } method && frame.Waiting?.Kind is null or "refund_method")
        {
            frame.Slots["refund_method"] = method;
        }

        var verified = await flow.Session.GetVerifiedCustomerIdAsync(flow.Ct);
        if (verified is null && intent is "refund" or "invoice" && frame.Slot("order_id") is null && frame.Waiting is null)
        {
            // "When will I get my refund?" from someone not verified: the policy first, and an offer to look at their order.
            flow.State.Pop();
            var query = intent == "refund" ? "how long refunds take to arrive " + text : "payments charged invoice " + text;
            return await PolicyAsync(flow, intent, query, intent == "refund" ? "refunds how long refunds take" : "payments charged", flow.T("refund_offer"));
        }
        if (verified is not { } customer)
        {
            var question = flow.T("ask_verification");
            frame.Waiting = new WaitingFor("customer", "verification", [], question);
            return await flow.ReplyAsync(intent, flow.T("verify_first", ("question", question)));
        }
        if (intent == "change_order")
        {
            return new IntentTurnResult("changing the items of an order needs a person in this chat", false);
        }
        if (intent == "return_exchange" && ExchangeWords().IsMatch(text))
        {
            return new IntentTurnResult("exchange requested: a person picks the replacement item with the customer", false);
        }
        if (intent == "change_address" && frame.Slot("order_id") is null && (frame.Slot("order_ref") is not { } r || ReferenceResolver.Orders(r, []).Kind == ResolutionKind.NoReference && !Regex.IsMatch(r, @"\border\b", RegexOptions.IgnoreCase)))
        {
            frame.Slots.Remove("order_ref");
            return await AddressAsync(flow, frame, null, text);
        }

        var orders = await customerOrders.ForCustomerAsync(customer, flow.Ct);
        if (orders.Count == 0)
        {
            flow.State.Pop();
            return await ResumeOrCloseAsync(flow, intent, flow.T("no_orders"));
        }
        var order = await ChooseOrderAsync(flow, frame, orders);
        if (order.Reply is { } asked)
        {
            return asked;
        }
        var chosen = order.Order!;
        frame.Slots["order_id"] = chosen.Id;
        return intent switch
        {
            "order_status" => await OrderStatusAsync(flow, frame, chosen),
            "cancel_order" => await CancelAsync(flow, frame, chosen, customer),
            "return_exchange" => await ReturnAsync(flow, frame, chosen, customer),
            "change_address" => await AddressAsync(flow, frame, chosen, text),
            _ => await PaymentsAsync(flow, frame, chosen, customer),
        };
    }

    private static bool Eligible(string intent, OrderFacts order) => intent switch
    {
        "cancel_order" or "change_address" => order.Status is OrderStatus.Pending,
        "return_exchange" => order.Status is OrderStatus.Delivered,
        _ => true,
    };

    /// <summary>The order the customer means, or the reply asking which (never a guess).</summary>
    private async Task<(OrderFacts? Order, IntentTurnResult? Reply)> ChooseOrderAsync(FlowTurn flow, DialogueFrame frame, IReadOnlyList<OrderFacts> orders)
    {
        var intent = frame.Flow;
        var excluded = frame.Slot("not_order");
        var pool = excluded is null ? orders : orders.Where(o => o.Id != excluded).ToList();
        if (frame.Slot("order_id") is { } id)
        {
            var normalised = OrderActions.NormalizeOrderId(id);
            if (orders.FirstOrDefault(o => o.Id == normalised) is { } own)
            {
                return (own, null);
            }
            // Not one of theirs (or no such order): the shop's own lookup answers, the same way for both.
            var details = await flow.CallAsync("get_order_details", new() { ["order_id"] = normalised });
            frame.Slots.Remove("order_id");
            return (null, await AskOrderAsync(flow, frame, orders, flow.T("order_not_found", ("order_id", normalised)), failed: true, list: false));
        }
        if (frame.Slot("order_ref") is { } reference)
        {
            frame.Slots.Remove("order_ref");
            var resolution = ReferenceResolver.Orders(reference, pool, frame.Waiting?.Choices.Select(c => new OfferedChoice(c.Title, IdIn(c.Title) ?? c.Value)).ToList());
            frame.Waiting = null;
            switch (resolution.Kind)
            {
                case ResolutionKind.Unique:
                    flow.Say(flow.T("picked_order", ("order", resolution.Single.Title)));
                    return (resolution.Single, null);
                case ResolutionKind.Ambiguous:
                    var eligible = resolution.Matches.Where(o => Eligible(intent, o)).ToList();
                    if (eligible.Count == 1 && intent is not ("order_status" or "refund" or "invoice"))
                    {
                        flow.Say(flow.T("picked_order", ("order", eligible[0].Title)));
                        return (eligible[0], null);
                    }
                    return (null, await AskOrderAsync(flow, frame, resolution.Matches, flow.T("which_of_these_orders")));
                case ResolutionKind.None:
                    return (null, await AskOrderAsync(flow, frame, pool, flow.T("no_matching_order"), failed: false));
            }
        }
        var candidates = pool.Where(o => Eligible(intent, o)).ToList();
        if (pool.Count == 1 && intent is "order_status" or "refund" or "invoice")
        {
            return (pool[0], null);
        }
        if (candidates.Count == 1 && (excluded is not null || intent is not ("order_status" or "refund" or "invoice")))
        {
            flow.Say(flow.T(excluded is null ? "only_eligible_order" : "picked_order", ("order", candidates[0].Title)));
            return (candidates[0], null);
        }
        return (null, await AskOrderAsync(flow, frame, pool, flow.T("which_order")));
    }

    private async Task<IntentTurnResult> AskOrderAsync(FlowTurn flow, DialogueFrame frame, IReadOnlyList<OrderFacts> orders, string lead, bool failed = false, bool list = true)
    {
        var intent = frame.Flow;
        var listed = orders.OrderByDescending(o => Eligible(intent, o)).Take(6).ToList();
        var choices = listed.Select(o => new OfferedChoice(o.Title, o.Id)).ToList();
        var question = flow.T("which_order_question");
        frame.Waiting = new WaitingFor("order_id", "order", choices, question);
        var lines = string.Join("\n", listed.Select(o => "- " + flow.T("order_line", ("order_id", o.Id), ("items", Items(o)), ("status", o.Status.ToDisplay()), ("date", format.Date(o.CreatedAt)), ("total", format.Money(o.Total)))));
        return await flow.ReplyAsync(intent, list ? $"{lead}\n{lines}\n\n{question}" : $"{lead} {question}", failed, choices);
    }

    private static string Items(OrderFacts o) => string.Join(", ", o.Items.Select(i => i.Name).Distinct());

    private async Task<IntentTurnResult> OrderStatusAsync(FlowTurn flow, DialogueFrame frame, OrderFacts order)
    {
        var details = await flow.CallAsync("get_order_details", new() { ["order_id"] = order.Id });
        flow.State.Pop();
        if (details is null || ToolResult.IsRefusal(details))
        {
            return await flow.ReplyAsync(frame.Flow, flow.T("order_not_found", ("order_id", order.Id)), failed: true);
        }
        var tracking = order.TrackingIds.Count > 0 ? flow.T("tracking", ("tracking", string.Join(", ", order.TrackingIds))) : flow.T("no_tracking");
        var text = flow.T("order_status", ("order_id", order.Id), ("status", order.Status.ToDisplay()), ("items", Items(order)), ("date", format.Date(order.CreatedAt)), ("total", format.Money(order.Total)), ("tracking", tracking));
        return await ResumeOrCloseAsync(flow, frame.Flow, text);
    }

    private async Task<IntentTurnResult> CancelAsync(FlowTurn flow, DialogueFrame frame, OrderFacts order, string customer)
    {
        if (order.Status != OrderStatus.Pending)
        {
            flow.State.Pop();
            return await ResumeOrCloseAsync(flow, frame.Flow, flow.T("cannot_cancel", ("order_id", order.Id), ("status", order.Status.ToDisplay()), ("items", Items(order))));
        }
        if (frame.Slot("reason") is not { } reason)
        {
            var question = flow.T("ask_cancel_reason", ("order_id", order.Id), ("items", Items(order)));
            frame.Waiting = new WaitingFor("reason", "reason", [new("No longer needed", "no longer needed"), new("Ordered by mistake", "ordered by mistake")], question);
            return await flow.ReplyAsync(frame.Flow, question, choices: frame.Waiting.Choices);
        }
        var proposal = await flow.CallAsync("cancel_pending_order", new() { ["order_id"] = order.Id, ["reason"] = reason });
        return await ProposedAsync(flow, frame, proposal, customer, order);
    }

    private async Task<IntentTurnResult> ReturnAsync(FlowTurn flow, DialogueFrame frame, OrderFacts order, string customer)
    {
        if (order.Status != OrderStatus.Delivered)
        {
            flow.State.Pop();
            return await ResumeOrCloseAsync(flow, frame.Flow, flow.T("cannot_return", ("order_id", order.Id), ("status", order.Status.ToDisplay()), ("items", Items(order))));
        }
        var reference = frame.Slot("items_ref") ?? "";
        var offered = frame.Waiting?.Kind == "items" ? frame.Waiting.Choices : null;
        var resolution = ReferenceResolver.Items(reference, order.Items, offered);
        if (frame.Slot("item_ids") is null)
        {
            if (resolution.Kind == ResolutionKind.Unique)
            {
                frame.Slots["item_ids"] = string.Join(",", resolution.Matches.Select(i => i.ItemId));
            }
            else if (order.Items.Count == 1)
            {
                frame.Slots["item_ids"] = order.Items[0].ItemId;
            }
            else
            {
                frame.Slots.Remove("items_ref");
                var list = resolution.Kind == ResolutionKind.Ambiguous ? resolution.Matches : order.Items;
                var choices = list.Select(i => new OfferedChoice(i.Describe(), i.ItemId)).Append(new OfferedChoice("All of them", "all")).ToList();
                var question = flow.T(resolution.Kind == ResolutionKind.Ambiguous ? "which_of_these_items" : "which_items", ("order_id", order.Id));
                frame.Waiting = new WaitingFor("item_ids", "items", choices, question);
                var lines = string.Join("\n", list.Select(i => "- " + flow.T("item_line", ("item", i.Describe()), ("price", format.Money(i.Price)))));
                return await flow.ReplyAsync(frame.Flow, $"{question}\n{lines}", choices: choices);
            }
        }
        var methods = await customerOrders.PaymentMethodsAsync(customer, flow.Ct);
        var details = await flow.CallAsync("get_order_details", new() { ["order_id"] = order.Id });
        var original = (JsonNode.Parse(details ?? "{}")?["payment_history"] as JsonArray ?? []).FirstOrDefault(p => p?["transaction_type"]?.ToString() == "payment")?["payment_method_id"]?.ToString() ?? "";
        var giftCard = methods.Values.FirstOrDefault(m => m.Kind == PaymentMethodKind.GiftCard);
        var refundTo = frame.Slot("refund_method");
        if (refundTo is null && giftCard is not null && !string.Equals(giftCard.Id, original, StringComparison.OrdinalIgnoreCase) && methods.TryGetValue(original, out var originalMethod))
        {
            var question = flow.T("ask_refund_method", ("original", format.PaymentMethod(originalMethod)));
            frame.Waiting = new WaitingFor("refund_method", "refund_method", [new($"To my {format.PaymentMethod(originalMethod)}", "original"), new("To my gift card", "gift_card")], question);
            return await flow.ReplyAsync(frame.Flow, question, choices: frame.Waiting.Choices);
        }
        var methodId = refundTo == "gift_card" && giftCard is not null ? giftCard.Id : original;
        var ids = frame.Slot("item_ids")!.Split(',', StringSplitOptions.RemoveEmptyEntries);
        var proposal = await flow.CallAsync("return_delivered_order_items", new() { ["order_id"] = order.Id, ["item_ids"] = ids, ["payment_method_id"] = methodId });
        return await ProposedAsync(flow, frame, proposal, customer, order);
    }

    private async Task<IntentTurnResult> AddressAsync(FlowTurn flow, DialogueFrame frame, OrderFacts? order, string text)
    {
        if (order is not null && order.Status != OrderStatus.Pending)
        {
            flow.State.Pop();
            return await ResumeOrCloseAsync(flow, frame.Flow, flow.T("cannot_change_address", ("order_id", order.Id), ("status", order.Status.ToDisplay())));
        }
        if (ParseAddress(text) is not { } address)
        {
            var question = order is null ? flow.T("ask_default_address") : flow.T("ask_order_address", ("order_id", order.Id));
            frame.Waiting = new WaitingFor("address", "address", [], question);
            return await flow.ReplyAsync(frame.Flow, question);
        }
        KernelArguments args = new()
        {
            ["address1"] = address[0], ["address2"] = address[1], ["city"] = address[2], ["state"] = address[3], ["country"] = address[4], ["zip"] = address[5],
        };
        if (order is not null)
        {
            args["order_id"] = order.Id;
        }
        var proposal = await flow.CallAsync(order is null ? "modify_default_address" : "modify_pending_order_address", args);
        var customer = await flow.Session.GetVerifiedCustomerIdAsync(flow.Ct) ?? "";
        return await ProposedAsync(flow, frame, proposal, customer, order);
    }

    private async Task<IntentTurnResult> PaymentsAsync(FlowTurn flow, DialogueFrame frame, OrderFacts order, string customer)
    {
        var details = await flow.CallAsync("get_order_details", new() { ["order_id"] = order.Id });
        flow.State.Pop();
        if (details is null || ToolResult.IsRefusal(details))
        {
            return await flow.ReplyAsync(frame.Flow, flow.T("order_not_found", ("order_id", order.Id)), failed: true);
        }
        var methods = await customerOrders.PaymentMethodsAsync(customer, flow.Ct);
        var lines = (JsonNode.Parse(details)?["payment_history"] as JsonArray ?? []).Select(p => "- " + flow.T(
            p?["transaction_type"]?.ToString() == "refund" ? "refund_line" : "payment_line",
            ("amount", format.Money(p?["amount"]?.GetValue<decimal>() ?? 0)),
            ("method", MethodName(methods, p?["payment_method_id"]?.ToString()))));
        return await ResumeOrCloseAsync(flow, frame.Flow, flow.T("payments", ("order_id", order.Id), ("status", order.Status.ToDisplay()), ("total", format.Money(order.Total)), ("lines", string.Join("\n", lines))));
    }

    /// <summary>Turns a change proposal into a question a person would write, and waits for the customer's yes.</summary>
    private async Task<IntentTurnResult> ProposedAsync(FlowTurn flow, DialogueFrame frame, string? proposal, string customer, OrderFacts? order)
    {
        if (proposal is null || ToolResult.IsRefusal(proposal))
        {
            flow.State.Pop();
            return await ResumeOrCloseAsync(flow, frame.Flow, flow.T("cannot_do", ("reason", ErrorOf(proposal) ?? flow.T("unavailable"))), failed: true);
        }
        var change = JsonNode.Parse(proposal)?["change"] as JsonObject ?? [];
        var methods = await customerOrders.PaymentMethodsAsync(customer, flow.Ct);
        var text = DescribeChange(flow, change, methods, order, proposing: true);
        frame.Waiting = new WaitingFor("confirmation", "confirm", [new("Yes", "yes"), new("No, keep it as it is", "no")], text);
        return await flow.ReplyAsync(frame.Flow, text, choices: frame.Waiting.Choices);
    }

    private async Task<IntentTurnResult> ApplyConfirmedAsync(FlowTurn flow, ConfirmationOutcome confirmation, string handle)
    {
        var intent = flow.State.Top?.Flow ?? "cancel_order";
        var applied = await flow.CallAsync("confirm_change", new() { ["handle"] = handle });
        if (flow.State.Top?.Waiting?.Kind == "confirm")
        {
            flow.State.Pop();
        }
        if (applied is null || ToolResult.IsRefusal(applied))
        {
            return await flow.ReplyAsync(intent, flow.T("cannot_do", ("reason", ErrorOf(applied) ?? flow.T("unavailable"))), failed: true);
        }
        var customer = await flow.Session.GetVerifiedCustomerIdAsync(flow.Ct) ?? "";
        var methods = await customerOrders.PaymentMethodsAsync(customer, flow.Ct);
        var change = JsonNode.Parse(applied)?["change"] as JsonObject ?? [];
        return await ResumeOrCloseAsync(flow, intent, DescribeChange(flow, change, methods, null, proposing: false));
    }

    /// <summary>A change summary (from <c>OrderActions</c>) in words: amounts in the shop's currency, payment methods as the customer knows them.</summary>
    private string DescribeChange(FlowTurn flow, JsonObject change, IReadOnlyDictionary<string, PaymentMethod> methods, OrderFacts? order, bool proposing)
    {
        var action = change["action"]?.ToString() ?? "";
        var orderId = change["order_id"]?.ToString() ?? order?.Id ?? "";
        var prefix = proposing ? "propose." : "done.";
        string Refund(JsonNode? r) => r is null ? "" : flow.T("refund_to",
            ("amount", format.Money(r["amount"]?.GetValue<decimal>() ?? 0)),
            ("method", MethodName(methods, r["payment_method_id"]?.ToString())),
            ("when", methods.TryGetValue(r["payment_method_id"]?.ToString() ?? "", out var m) && m.Kind == PaymentMethodKind.GiftCard ? flow.T("refund_now") : flow.T("refund_days")));
        string Address(JsonNode? a) => a is null ? "" : string.Join(", ", new[] { a["address1"], a["address2"], a["city"], $"{a["state"]} {a["zip"]}".Trim(), a["country"] }.Select(x => x?.ToString()).Where(x => !string.IsNullOrWhiteSpace(x)));
        switch (action)
        {
            case OrderActionNames.Cancel:
                var refunds = string.Join(" ", (change["refunds"] as JsonArray ?? []).Select(Refund));
                return flow.T(prefix + "cancel", ("order_id", orderId), ("items", order is null ? "" : Items(order)), ("reason", change["reason"]?.ToString()), ("refunds", refunds));
            case OrderActionNames.Return:
                var items = string.Join(", ", (change["items"] as JsonArray ?? []).Select(i => $"{i?["name"]} ({format.Money(i?["price"]?.GetValue<decimal>() ?? 0)})"));
                return flow.T(prefix + "return", ("order_id", orderId), ("items", items), ("refund", Refund(change["refund"])));
            case OrderActionNames.ModifyAddress:
                return flow.T(prefix + "order_address", ("order_id", orderId), ("from", Address(change["shipping_address"]?["from"])), ("to", Address(change["shipping_address"]?["to"])));
            case OrderActionNames.ModifyDefaultAddress:
                return flow.T(prefix + "default_address", ("from", Address(change["address"]?["from"])), ("to", Address(change["address"]?["to"])));
            default:
                return flow.T(prefix + "other", ("order_id", orderId));
        }
    }

    private string MethodName(IReadOnlyDictionary<string, PaymentMethod> methods, string? id) =>
        id is not null && methods.TryGetValue(id, out var m) ? format.PaymentMethod(m) : id?.StartsWith("gift_card", StringComparison.Ordinal) == true ? "gift card" : "original payment method";

    [GeneratedRegex(@"\b(?:exchange|swap|different size|another size|other colou?r|replace)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ExchangeWords();
}
