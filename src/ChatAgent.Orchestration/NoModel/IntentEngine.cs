using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Orchestration.Intents;
using ChatAgent.Orchestration.Knowledge;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop.Conversations;
using ChatAgent.Shop.Formatting;
using ChatAgent.Shop.Plugins;
using ChatAgent.Shop.Search;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.SemanticKernel;

namespace ChatAgent.Orchestration.NoModel;

/// <summary>
/// The bot without a language model. Per message, in this order: the confirmation gate's decision; verification from
/// free-form text (an email anywhere, "First Last 12345"); the answer to the open question of the task on top of the
/// dialogue stack (an order or item in words, a reason, a refund method, an address, a button); repair patterns
/// (never mind, "no, the other one"); product follow-ups; the intent classifier (typos corrected against the shop's
/// vocabulary, a clarifying question when unsure); then slot extraction on the whole message. Flows call the same
/// plugins through the same catalog as the model (so the same authorization and confirmation rules apply). A
/// digression (a policy question while a task waits) is answered and the waiting task resumes. The dialogue state rides
/// in each answer's <c>channelData.chatagent</c>, so it survives restarts with the transcript.
/// </summary>
internal sealed partial class IntentEngine(
    IServiceProvider services,
    PluginCatalog catalog,
    IntentClassifier classifier,
    KnowledgeBase knowledge,
    CustomerOrders customerOrders,
    ReplyTemplates replies,
    ShopFormat format,
    PluginIntents pluginIntents,
    TypoCorrector typos,
    IOptions<OrchestratorOptions> options,
    ILogger<IntentEngine> logger)
{
    internal IServiceProvider Services => services;
    internal PluginCatalog Catalog => catalog;
    internal ILogger Logger => logger;
    internal ReplyTemplates Replies => replies;

    /// <summary>Flows that carry out a task on the customer's orders (a new one replaces the waiting one).</summary>
    private static readonly HashSet<string> TaskFlows = ["order_status", "cancel_order", "return_exchange", "change_address", "refund", "invoice", "change_order"];

    private static readonly Dictionary<string, string> IntentLabels = new(StringComparer.Ordinal)
    {
        ["order_status"] = "Where is my order?", ["cancel_order"] = "Cancel an order", ["return_exchange"] = "Return an item", ["change_address"] = "Change an address",
        ["refund"] = "My refund", ["invoice"] = "Payments on an order", ["shipping_policy"] = "Shipping info", ["refund_policy"] = "Return policy",
        ["payment_policy"] = "Payment methods", ["product_search"] = "Find a product", ["recommendation"] = "Recommendations", ["human_agent"] = "Talk to a person",
        ["account"] = "My account", ["change_order"] = "Change items in an order", ["feedback"] = "Leave feedback", ["greeting"] = "Hello", ["thanks"] = "Thanks",
        ["complaint"] = "Make a complaint", ["payment_issue"] = "A payment problem", ["out_of_scope"] = "Something else",
    };

    public async Task<IntentTurnResult> RunAsync(ITurnContext turn, Transcript transcript, CustomerSession session, ConfirmationOutcome confirmation, string text, CancellationToken ct)
    {
        var previous = transcript.LastBotState is { } s && s["mode"]?.GetValue<string>() == "intent" ? s : null;
        var state = DialogueState.From(previous);
        var flow = new FlowTurn(this, turn, session, state, ReplyTemplates.DefaultLanguage, ct);
        var slots = SlotExtractor.Extract(text, nameWithoutCue: state.Top?.Waiting?.Kind == "verification");

        // 1. The gate already decided whether this message confirmed the waiting change.
        if (confirmation.Decision == ConfirmationDecision.Confirmed && confirmation.Handle is { } handle)
        {
            return await ApplyConfirmedAsync(flow, confirmation, handle);
        }
        if (state.Top?.Waiting?.Kind == "confirm")
        {
            state.Top.Waiting = null;
            if (IsNo(text) && !CorrectionWords().IsMatch(text) && RefundMethodIn(text) is null)
            {
                var dropped = state.Pop();
                return await ResumeOrCloseAsync(flow, dropped?.Flow ?? "cancel_order", flow.T("change_declined"));
            }
            if (state.Top.Flow == "return_exchange" && RefundMethodIn(text) is { } method)
            {
                // "to my gift card please" instead of yes: the same return, proposed again with that refund method.
                state.Top.Slots["refund_method"] = method;
                return await RunFlowAsync(flow, state.Top, text, slots);
            }
            if (state.Top.Flow == "cancel_order" && slots.CancelReason is { } reason)
            {
                state.Top.Slots["reason"] = reason;
                return await RunFlowAsync(flow, state.Top, text, slots);
            }
        }

        // 2. Verification from whatever the message holds, keeping the task that asked for it.
        var verifiedNow = false;
        if (await session.GetVerifiedCustomerIdAsync(ct) is null && (slots.Email is not null || slots.FirstName is not null && slots.Zip is not null))
        {
            var result = slots.Email is not null
                ? await flow.CallAsync("verify_customer_by_email", new() { ["email"] = slots.Email })
                : await flow.CallAsync("verify_customer_by_name_zip", new() { ["first_name"] = slots.FirstName, ["last_name"] = slots.LastName, ["zip"] = slots.Zip });
            using var doc = JsonDocument.Parse(string.IsNullOrEmpty(result) ? "{}" : result);
            if (doc.RootElement.TryGetProperty("verified", out var v) && v.ValueKind == JsonValueKind.True)
            {
                verifiedNow = true;
                flow.Say(flow.T("verified"));
                if (state.Top?.Waiting?.Kind == "verification")
                {
                    state.Top.Waiting = null;
                }
            }
            else
            {
                if (doc.RootElement.TryGetProperty("transfer_to_human", out var t) && t.ValueKind == JsonValueKind.True)
                {
                    return new IntentTurnResult(HandoffReasons.VerificationLocked, true);
                }
                var frame = state.Top ?? state.Push("verification");
                frame.Waiting = new WaitingFor("customer", "verification", [], flow.T("ask_verification"));
                // Not a failed answer: the shop's own attempt limit decides when verification goes to a person.
                var left = doc.RootElement.TryGetProperty("attempts_left", out var a) && a.ValueKind == JsonValueKind.Number ? a.GetInt32().ToString(format.Culture) : "";
                return await flow.ReplyAsync(frame.Flow, flow.T("verification_failed", ("attempts_left", left)));
            }
        }

        // 3. The answer to the open question.
        if (state.Top is { } top)
        {
            if (verifiedNow && top.Waiting is null && TaskFlows.Contains(top.Flow) || PluginWaiting(top))
            {
                return await RunFlowAsync(flow, top, text, slots);
            }
            if (top.Waiting is { } waiting && await AnswersAsync(flow, top, waiting, text, slots))
            {
                top.Waiting = null;
                return await RunFlowAsync(flow, top, text, slots);
            }
        }

        // 4. Repair: give up on the task, or correct the reference.
        if (NeverMind().IsMatch(text) && state.Top is not null)
        {
            var dropped = state.Pop();
            return await ResumeOrCloseAsync(flow, dropped!.Flow, flow.T("dropped"));
        }
        if (CorrectionWords().IsMatch(text) && state.Top is { } corrected && corrected.Slot("order_id") is { } wrong && TaskFlows.Contains(corrected.Flow))
        {
            corrected.Slots.Remove("order_id");
            corrected.Slots.Remove("order_ref");
            corrected.Slots["not_order"] = wrong;
            return await RunFlowAsync(flow, corrected, text, slots);
        }

        // 5. Follow-ups on products just listed.
        if (state.Products.Count > 0 && await ProductFollowUpAsync(flow, text) is { } followUp)
        {
            return followUp;
        }

        if (HelpWords().IsMatch(text))
        {
            return await flow.ReplyAsync("greeting", flow.T("help"), choices: Menu());
        }

        // 6. The classifier, on the message as written and, when unsure, with typos corrected.
        var prediction = await classifier.ClassifyAsync(text, ct);
        var threshold = (float)options.Value.IntentThreshold;
        if (!prediction.IsConfident(threshold) && typos.Correct(text) is var fixedText && fixedText != text)
        {
            var second = await classifier.ClassifyAsync(fixedText, ct);
            if (second.Score > prediction.Score)
            {
                logger.LogInformation("Typos corrected: \"{Fixed}\"", fixedText);
                prediction = second;
            }
        }
        logger.LogInformation("Intent {Intent} ({Score:F2}; runner-up {RunnerUp} {RunnerUpScore:F2})", prediction.Intent, prediction.Score, prediction.RunnerUp, prediction.RunnerUpScore);
        var intent = prediction.IsConfident(threshold) ? prediction.Intent : "unsure";
        var understood = typos.Correct(text);
        if (verifiedNow && OnlyIdentity(text, slots))
        {
            // The message was just who they are: nothing else to classify.
            intent = "unsure";
        }
        else if (intent is "return_exchange" or "cancel_order" or "refund" && PolicyWord().IsMatch(understood))
        {
            // "what's the return polcy?": a question about the rules, not the task itself.
            intent = "refund_policy";
        }
        else if (intent is not ("human_agent" or "complaint") && !PolicyQuestion().IsMatch(understood))
        {
            // Verbs of the tasks outrank a near miss of the classifier: "return the monitor from order #W…", "send back the kettle".
            if (CancelVerb().IsMatch(understood) && intent is not "cancel_order")
            {
                intent = "cancel_order";
            }
            else if (ReturnVerb().IsMatch(understood) && intent is not "return_exchange")
            {
                intent = "return_exchange";
            }
            else if (intent is "product_search" or "unsure" or "shipping_policy" && OrderWords().IsMatch(understood) && await session.GetVerifiedCustomerIdAsync(ct) is { } who
                && ReferenceResolver.Orders(text, await customerOrders.ForCustomerAsync(who, ct)).Kind is ResolutionKind.Unique or ResolutionKind.Ambiguous)
            {
                // "any news on the skin care kit order?": a product of one of their orders, asked about as an order.
                intent = "order_status";
            }
        }
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
        if (intent == "unsure" && state.Top is { } waitingTask && TaskFlows.Contains(waitingTask.Flow) && (slots.CancelReason is not null || ReferenceWords().IsMatch(text)))
        {
            // "the one from March" or "no longer needed" with nothing else: the task in progress is still the subject.
            intent = waitingTask.Flow;
        }
        if (intent == "unsure")
        {
            if (verifiedNow)
            {
                return state.Top is { } resumed ? await RunFlowAsync(flow, resumed, text, slots) : await flow.ReplyAsync("verification", flow.T("verified_what_next"), choices: Menu());
            }
            var wasClarifying = previous?["outcome"]?.GetValue<string>() == "clarify";
            if (!wasClarifying && prediction.Score >= threshold - 0.12f && prediction.RunnerUp != prediction.Intent)
            {
                var top2 = new[] { prediction.Intent, prediction.RunnerUp }.Select(i => new OfferedChoice(IntentLabels.GetValueOrDefault(i, pluginIntents.Find(i)?.Examples.FirstOrDefault() ?? i), i)).ToList();
                return await flow.ReplyAsync("unsure", flow.T("clarify", ("first", top2[0].Title), ("second", top2[1].Title)), choices: [.. top2, new OfferedChoice(IntentLabels["human_agent"], "human_agent")], outcome: "clarify");
            }
            return await flow.ReplyAsync("unsure", flow.T("not_understood"), failed: true, choices: Menu());
        }
        if (verifiedNow && intent is "greeting" or "thanks")
        {
            return state.Top is { } resumed ? await RunFlowAsync(flow, resumed, text, slots) : await flow.ReplyAsync("verification", flow.T("verified_what_next"), choices: Menu());
        }

        if (intent == "change_order" && !ChangeWords().IsMatch(understood))
        {
            // Changing items goes to a person: only when the customer plainly asks for it, never on a near miss.
            var other = IntentLabels.GetValueOrDefault(prediction.RunnerUp, IntentLabels["order_status"]);
            return await flow.ReplyAsync("unsure", flow.T("clarify", ("first", IntentLabels["change_order"]), ("second", other)),
                choices: [new(IntentLabels["change_order"], "change_order"), new(other, prediction.RunnerUp), new(IntentLabels["human_agent"], "human_agent")], outcome: "clarify");
        }

        // 7. Dispatch: a task replaces the one in progress; anything else is a digression the waiting task survives.
        if (TaskFlows.Contains(intent))
        {
            var current = state.Top;
            if (current is not null && current.Flow == intent)
            {
                return await RunFlowAsync(flow, current, text, slots, fresh: true);
            }
            var carried = current?.Slot("order_id");
            while (state.Top is { } t && TaskFlows.Contains(t.Flow))
            {
                state.Pop();
            }
            var frame = state.Push(intent);
            if (carried is not null && PronounWords().IsMatch(text))
            {
                frame.Slots["order_id"] = carried;
            }
            return await RunFlowAsync(flow, frame, text, slots, fresh: true);
        }
        var digression = state.Push(intent);
        return await RunFlowAsync(flow, digression, text, slots, fresh: true);
    }

    private List<OfferedChoice> Menu() =>
        [new("Where is my order?", "order_status"), new("Cancel an order", "cancel_order"), new("Return policy", "refund_policy"), new("Talk to a person", "human_agent")];

    private static bool PluginWaiting(DialogueFrame top) => top.Waiting?.Kind.StartsWith("plugin:", StringComparison.Ordinal) == true;

    /// <summary>Runs the flow of <paramref name="frame"/> (the top of the stack). A flow that finishes in one answer is popped, and the task below resumes.</summary>
    private async Task<IntentTurnResult> RunFlowAsync(FlowTurn flow, DialogueFrame frame, string text, Slots slots, bool fresh = false)
    {
        var intent = frame.Flow;
        switch (intent)
        {
            case "order_status":
            case "cancel_order":
            case "return_exchange":
            case "change_address":
            case "refund":
            case "invoice":
            case "change_order":
                return await OrderTaskAsync(flow, frame, text, slots, fresh);
        }
        if (pluginIntents.Find(intent) is { } plugin)
        {
            return await PluginFlowAsync(flow, frame, plugin, text);
        }

        // One-answer flows: the answer, then back to the task that waits below, if any.
        flow.State.Pop();
        return intent switch
        {
            "greeting" => await ResumeOrCloseAsync(flow, intent, flow.T("greeting"), Menu()),
            "thanks" => await ResumeOrCloseAsync(flow, intent, flow.T("thanks")),
            "shipping_policy" => await PolicyAsync(flow, intent, typos.Correct(text), "shipping delivery times costs free shipping"),
            "refund_policy" => await PolicyAsync(flow, intent, typos.Correct(text), "returns refunds cancelling"),
            "payment_policy" => await PolicyAsync(flow, intent, typos.Correct(text), "accepted payment methods"),
            "product_search" => await ProductSearchAsync(flow, intent, slots.ProductPhrase ?? text),
            "recommendation" => await CatalogAsync(flow, intent, "recommend", text, "make recommendations"),
            "human_agent" => new IntentTurnResult(HandoffReasons.CustomerAsked, false),
            "complaint" => new IntentTurnResult(HandoffReasons.Frustration, false),
            "payment_issue" => new IntentTurnResult("payment problem that needs a person", false),
            "feedback" => await ResumeOrCloseAsync(flow, intent, flow.T("feedback")),
            "account" => await ResumeOrCloseAsync(flow, intent, flow.T("account")),
            "out_of_scope" => await ResumeOrCloseAsync(flow, intent, flow.T("out_of_scope")),
            "verification" => await ResumeOrCloseAsync(flow, intent, flow.T("verified_what_next"), Menu()),
            _ => await flow.ReplyAsync("unsure", flow.T("not_understood"), failed: true, choices: Menu()),
        };
    }

    /// <summary>Sends <paramref name="answer"/>; when a task waits below, says so and asks its question again.</summary>
    private static async Task<IntentTurnResult> ResumeOrCloseAsync(FlowTurn flow, string intent, string answer, IReadOnlyList<OfferedChoice>? choices = null, bool failed = false, JsonObject? extra = null, IReadOnlyList<Attachment>? attachments = null)
    {
        if (flow.State.Top is { Waiting: { } waiting } below)
        {
            var what = flow.T("task." + below.Flow);
            return await flow.ReplyAsync(intent, answer + "\n\n" + flow.T("resume", ("task", what), ("question", waiting.Question)), failed, waiting.Choices, attachments, extra: extra);
        }
        return await flow.ReplyAsync(intent, answer, failed, choices, attachments, extra: extra);
    }

    /// <summary>True when the message answers what <paramref name="frame"/> waits for; the answer is stored in its slots.</summary>
    private async Task<bool> AnswersAsync(FlowTurn flow, DialogueFrame frame, WaitingFor waiting, string text, Slots slots)
    {
        var chosenIntent = waiting.Choices.FirstOrDefault(c => string.Equals(c.Title, text.Trim(), StringComparison.OrdinalIgnoreCase));
        switch (waiting.Kind)
        {
            case "order":
                if (slots.OrderIds.Count > 0)
                {
                    frame.Slots["order_id"] = slots.OrderIds[0];
                    return true;
                }
                if (await flow.Session.GetVerifiedCustomerIdAsync(flow.Ct) is not { } customer)
                {
                    return false;
                }
                var orders = await customerOrders.ForCustomerAsync(customer, flow.Ct);
                var resolution = ReferenceResolver.Orders(text, orders, waiting.Choices.Select(c => new OfferedChoice(c.Title, IdIn(c.Title) ?? c.Value)).ToList());
                if (resolution.Kind == ResolutionKind.NoReference)
                {
                    return false;
                }
                frame.Slots["order_ref"] = text;
                // "the tent" names the order and, for a return, the item too.
                frame.Slots["items_ref"] = text;
                return true;
            case "items":
                frame.Slots["items_ref"] = text;
                return ItemAnswer().IsMatch(text) || ReferenceResolver.ContentWords(ReferenceResolver.Normalise(text)).Count > 0 || chosenIntent is not null;
            case "reason":
                if (slots.CancelReason is not null)
                {
                    frame.Slots["reason"] = slots.CancelReason;
                    return true;
                }
                return false;
            case "refund_method":
                if (RefundMethodIn(text) is { } method)
                {
                    frame.Slots["refund_method"] = method;
                    return true;
                }
                return false;
            case "address":
                return ParseAddress(text) is not null;
            case "intent":
                if (chosenIntent is not null || waiting.Choices.FirstOrDefault(c => c.Value == text.Trim()) is { } byValue && (chosenIntent = byValue) is not null)
                {
                    frame.Flow = chosenIntent.Value;
                    return true;
                }
                return false;
            default:
                return false;
        }
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

    private async Task<IntentTurnResult> PolicyAsync(FlowTurn flow, string intent, string text, string hint, string? tail = null)
    {
        var hits = await knowledge.SearchAsync(text, 1, options.Value.KnowledgeThreshold, flow.Ct);
        if (hits.Count == 0)
        {
            hits = await knowledge.SearchAsync(hint, 1, 0, flow.Ct);
        }
        if (hits.Count == 0)
        {
            return await ResumeOrCloseAsync(flow, intent, flow.T("no_policy"), failed: true);
        }
        var p = hits[0].Passage;
        var answer = flow.T("policy", ("text", p.Text), ("source", p.Citation)) + (tail is null ? "" : "\n\n" + tail);
        return await ResumeOrCloseAsync(flow, intent, answer, extra: new JsonObject { ["source"] = p.Source, ["section"] = p.Title });
    }

    private static string? ErrorOf(string? json)
    {
        if (string.IsNullOrEmpty(json)) return null;
        try
        {
            var error = JsonNode.Parse(json)?["error"]?.ToString();
            return string.IsNullOrWhiteSpace(error) ? null : error;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? IdIn(string text) => OrderIdIn().Match(text) is { Success: true } m ? m.Value : null;

    private static string? RefundMethodIn(string text) =>
        Regex.IsMatch(text, @"\bgift ?cards?\b|\bstore credit\b", RegexOptions.IgnoreCase) ? "gift_card"
        : Regex.IsMatch(text, @"\b(?:original|same|card|credit card|paypal|mastercard|visa|amex|back to (?:my|the) (?:card|account)|how i paid|where it came from)\b", RegexOptions.IgnoreCase) ? "original"
        : null;

    private static bool IsNo(string text) => NoWords().IsMatch(text);

    /// <summary>True when the message is only an email or a name and zip (a few filler words aside).</summary>
    private static bool OnlyIdentity(string text, Slots slots)
    {
        var rest = SlotExtractor.EmailPattern().Replace(text, " ");
        foreach (var part in new[] { slots.FirstName, slots.LastName, slots.Zip })
        {
            if (part is not null)
            {
                rest = Regex.Replace(rest, Regex.Escape(part), " ", RegexOptions.IgnoreCase);
            }
        }
        var words = Regex.Matches(rest.ToLowerInvariant(), @"[\p{L}']+").Select(m => m.Value)
            .Where(w => w is not ("my" or "email" or "is" or "it's" or "its" or "it" or "i'm" or "im" or "i" or "am" or "name" or "zip" or "code" or "and" or "the" or "this" or "here" or "hi" or "hello" or "hey" or "mail" or "e" or "address" or "postcode" or "sure" or "ok" or "okay" or "yes" or "thanks" or "me"))
            .ToList();
        return words.Count == 0;
    }

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

    [GeneratedRegex(@"^\s*(?:never ?mind|forget (?:it|that|about it)|nevermind|scratch that|cancel that|doesn't matter|it doesn't matter|no worries,? (?:forget|never)|leave it)\b", RegexOptions.IgnoreCase)]
    private static partial Regex NeverMind();

    [GeneratedRegex(@"\b(?:the other one|other order|another one|not (?:that|this) one|wrong (?:one|order)|i meant|i mean the|not the)\b", RegexOptions.IgnoreCase)]
    private static partial Regex CorrectionWords();

    [GeneratedRegex(@"\b(?:it|that|this one|this order|that order|that one|same order)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PronounWords();

    [GeneratedRegex(@"\b(?:the one|one from|order from|last|latest|first|second|third|pending|delivered|processed|recent)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ReferenceWords();

    [GeneratedRegex(@"\b(?:all|everything|both|whole|\d{10})\b", RegexOptions.IgnoreCase)]
    private static partial Regex ItemAnswer();

    [GeneratedRegex(@"#W\d{7}")]
    private static partial Regex OrderIdIn();

    [GeneratedRegex(@"\b(?:change|modify|swap|switch|different (?:size|colou?r)|replace|add|remove|upgrade|edit)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ChangeWords();

    [GeneratedRegex(@"\b(?:policy|policies|how long|how many days|how do (?:i|returns|refunds)|can i|do you|what is|what's|window|rules?|allowed|possible)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PolicyQuestion();

    [GeneratedRegex(@"\b(?:policy|policies)\b", RegexOptions.IgnoreCase)]
    private static partial Regex PolicyWord();

    [GeneratedRegex(@"\b(?:cancel|cancle|cancell)\b(?!\s+(?:that|it all|everything you said))", RegexOptions.IgnoreCase)]
    private static partial Regex CancelVerb();

    [GeneratedRegex(@"\b(?:return|send (?:back|it back|them back)|ship (?:it|them) back|give back)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ReturnVerb();

    [GeneratedRegex(@"\b(?:order|orders|shipped|ship|arrive|arrived|deliver|delivered|delivery|news|tracking|track|package|parcel|where)\b", RegexOptions.IgnoreCase)]
    private static partial Regex OrderWords();
}
