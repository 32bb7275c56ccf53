using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Orchestration.Handoff;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop;
using ChatAgent.Testing;

namespace ChatAgent.Orchestration.Tests;

/// <summary>One real host in no-model mode (no Model:Path, no Model:Endpoint) for every test of this class.</summary>
public sealed class NoModelHost : IAsyncLifetime
{
    public ChatAgentTestHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Host = await ChatAgentTestHost.StartAsync(TestSettings.Base());

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

public sealed class NoModelConversationTests(NoModelHost fixture) : IClassFixture<NoModelHost>
{
    private ChatAgentTestHost Host => fixture.Host;

    [Fact]
    public async Task Asking_where_an_order_is_leads_to_verification_and_then_the_real_status_from_the_store()
    {
        var customer = await ShopData.CustomerWithOrderAsync(Host, OrderStatus.Pending);
        await using var chat = await Chat.StartAsync(Host);

        var ask = await chat.AskAsync($"where is my order {customer.OrderId}?");
        Assert.Contains("email", ask.Text, StringComparison.OrdinalIgnoreCase);

        var answer = await chat.AskAsync($"it's {customer.Email}");
        Assert.Contains(customer.OrderId, answer.Text);
        Assert.Contains(customer.OrderStatus, answer.Text);
        var tools = await chat.ToolEventsAsync();
        Assert.Contains(tools, t => t["name"]!.GetValue<string>() == "orders_verify_customer_by_email" && t["error"]!.GetValue<bool>() == false);
        Assert.Contains(tools, t => t["name"]!.GetValue<string>() == "orders_get_order_details" && t["result"]!.GetValue<string>().Contains(customer.OrderId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_customer_receives_neither_tool_calls_nor_handoff_summaries_nor_the_bots_flow_state()
    {
        var customer = await ShopData.CustomerWithOrderAsync(Host, OrderStatus.Pending, skip: 7);
        await using var chat = await Chat.StartAsync(Host);
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        await socket.ConnectAsync(chat.StreamUrl, TestContext.Current.CancellationToken);
        var frames = new List<JsonObject>();
        var reading = Task.Run(async () =>
        {
            var buffer = new byte[1 << 20];
            while (socket.State == System.Net.WebSockets.WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (result.MessageType == System.Net.WebSockets.WebSocketMessageType.Close) break;
                if (result.Count > 0) lock (frames) frames.Add(JsonNode.Parse(buffer.AsSpan(0, result.Count))!.AsObject());
            }
        });

        await chat.AskAsync($"where is my order {customer.OrderId}?");
        var answer = await chat.AskAsync($"it's {customer.Email}");
        await chat.AskAsync("I want to speak to a human");

        // The transcript keeps everything for agents and the bot ...
        var stored = await chat.ActivitiesAsync();
        Assert.Contains(stored, a => a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Tool);
        Assert.Contains(stored, a => a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Handoff);
        Assert.Contains(stored, a => a.ChannelData?[TranscriptEvents.StateKey] is not null);

        // ... the customer's client, by polling and on the stream, gets none of it, and the watermark still reaches the end.
        var polled = await chat.CustomerActivitiesAsync();
        await Task.Delay(500, TestContext.Current.CancellationToken);
        await socket.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        await reading.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        List<JsonObject> streamed;
        lock (frames) streamed = [.. frames.SelectMany(f => f["activities"]!.AsArray().Select(a => a!.AsObject()))];
        foreach (var (label, seen) in new[] { ("polled", polled.Select(a => JsonNode.Parse(ActivityJson.Serialize(a))!.AsObject()).ToList()), ("streamed", streamed) })
        {
            Assert.DoesNotContain(seen, a => a["type"]?.GetValue<string>() == ActivityTypes.Event
                && a["name"]?.GetValue<string>() is TranscriptEvents.Tool or TranscriptEvents.Handoff);
            Assert.DoesNotContain(seen, a => a["channelData"]?[TranscriptEvents.StateKey] is not null);
            Assert.Contains(seen, a => a["text"]?.GetValue<string>() == answer.Text);
            Assert.True(seen.Count < stored.Count, $"{label}: {seen.Count} of {stored.Count}");
        }
        lock (frames) Assert.Equal(stored.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), frames.Last(f => f["watermark"] is not null)["watermark"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_pending_order_is_cancelled_only_after_the_customer_explicitly_confirms()
    {
        var customer = await ShopData.CustomerWithOrderAsync(Host, OrderStatus.Pending, skip: 1);
        await using var chat = await Chat.StartAsync(Host);

        await chat.AskAsync($"I want to cancel order {customer.OrderId}");
        var reasonQuestion = await chat.AskAsync(customer.Email);
        Assert.Contains("no longer needed", reasonQuestion.Text, StringComparison.OrdinalIgnoreCase);
        var proposal = await chat.AskAsync("no longer needed");
        Assert.Contains("yes", proposal.Text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(OrderStatus.Pending, await ShopData.OrderStatusAsync(Host, customer.OrderId));

        var done = await chat.AskAsync("yes");
        Assert.Contains("Done", done.Text);
        Assert.Equal(OrderStatus.Cancelled, await ShopData.OrderStatusAsync(Host, customer.OrderId));
    }

    [Fact]
    public async Task A_cancellation_answered_with_no_changes_nothing()
    {
        var customer = await ShopData.CustomerWithOrderAsync(Host, OrderStatus.Pending, skip: 2);
        await using var chat = await Chat.StartAsync(Host);

        await chat.AskAsync($"please cancel {customer.OrderId}, I ordered it by mistake. my email is {customer.Email}");
        var answer = await chat.AskAsync("no, keep it");
        Assert.Contains("haven't changed", answer.Text);
        Assert.Equal(OrderStatus.Pending, await ShopData.OrderStatusAsync(Host, customer.OrderId));
    }

    [Theory]
    [InlineData("can I talk to a human please")]
    [InlineData("AGENT")]
    [InlineData("I don't want a bot, get me a real person")]
    public async Task Asking_for_a_person_escalates_and_the_bot_then_stays_silent(string request)
    {
        await using var chat = await Chat.StartAsync(Host);
        await chat.AskAsync("hi");

        var answer = await chat.AskAsync(request);
        Assert.Contains("team", answer.Text);
        Assert.Equal(ConversationStatus.Escalated, await chat.StatusAsync());
        var handoff = (await chat.ActivitiesAsync()).Single(a => a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Handoff);
        Assert.Equal(HandoffReasons.CustomerAsked, handoff.Value!["reason"]!.GetValue<string>());
        Assert.Contains("Customer: not verified", handoff.Value!["summary"]!.GetValue<string>());

        var count = (await chat.ActivitiesAsync()).Count;
        await chat.SendAsync("hello?");
        await Task.Delay(500);
        var after = await chat.ActivitiesAsync();
        Assert.Equal(count + 1, after.Count);
    }

    [Fact]
    public async Task A_second_customer_cannot_get_the_first_customers_order_by_its_number()
    {
        var first = await ShopData.CustomerWithOrderAsync(Host, OrderStatus.Delivered);
        var second = await ShopData.CustomerWithOrderAsync(Host, OrderStatus.Pending, skip: 3);
        Assert.NotEqual(first.Id, second.Id);
        await using var chat = await Chat.StartAsync(Host);

        await chat.AskAsync($"my email is {second.Email}");
        var answer = await chat.AskAsync($"where is order {first.OrderId}?");
        Assert.Contains("couldn't find", answer.Text);
        Assert.DoesNotContain(first.OrderStatus, answer.Text!.Replace("couldn't find", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
        var details = (await chat.ToolEventsAsync()).Single(t => t["name"]!.GetValue<string>() == "orders_get_order_details");
        Assert.True(details["error"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_policy_question_is_answered_from_the_knowledge_folder_with_its_source()
    {
        await using var chat = await Chat.StartAsync(Host);
        var answer = await chat.AskAsync("how many days do I have to return something?");
        Assert.Contains("30 days", answer.Text);
        Assert.Contains("knowledge/returns.md", answer.Text);
    }

    [Fact]
    public async Task Used_up_verification_attempts_hand_the_conversation_to_a_person()
    {
        await using var chat = await Chat.StartAsync(Host);
        await chat.AskAsync("where is my order?");
        for (var i = 0; i < 3; i++)
        {
            await chat.AskAsync($"nobody{i}@nowhere.example");
        }
        Assert.Equal(ConversationStatus.Escalated, await chat.StatusAsync());
        var handoff = (await chat.ActivitiesAsync()).Single(a => a.Type == ActivityTypes.Event && a.Name == TranscriptEvents.Handoff);
        Assert.Equal(HandoffReasons.VerificationLocked, handoff.Value!["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Not_understanding_the_same_customer_twice_hands_over()
    {
        await using var chat = await Chat.StartAsync(Host);
        var first = await chat.AskAsync("blorf zint quaxle");
        Assert.Equal(ConversationStatus.Active, await chat.StatusAsync());
        Assert.Equal("failed", (first.ChannelData![TranscriptEvents.StateKey] as JsonObject)!["outcome"]!.GetValue<string>());
        await chat.AskAsync("vrem plox frindle");
        Assert.Equal(ConversationStatus.Escalated, await chat.StatusAsync());
    }

    [Fact]
    public async Task A_frustrated_customer_is_handed_over()
    {
        await using var chat = await Chat.StartAsync(Host);
        await chat.AskAsync("this is ridiculous, my order is late AGAIN");
        Assert.Equal(ConversationStatus.Escalated, await chat.StatusAsync());
    }

    [Fact]
    public async Task A_request_outside_policy_is_handed_over()
    {
        await using var chat = await Chat.StartAsync(Host);
        await chat.AskAsync("I want compensation for the delay");
        Assert.Equal(ConversationStatus.Escalated, await chat.StatusAsync());
    }

    [Fact]
    public async Task An_overlong_message_is_declined_politely()
    {
        await using var chat = await Chat.StartAsync(Host);
        var answer = await chat.AskAsync(new string('a', 2500));
        Assert.Contains("too long", answer.Text);

        // A long paste followed by a message the bot does not understand is one failure, not two: no handoff.
        await chat.AskAsync("{\"not\": json");
        Assert.Equal(ConversationStatus.Active, await chat.StatusAsync());
    }
}

public sealed class BotRegistrationTests
{
    [Fact]
    public async Task Help_offers_suggested_actions_in_no_model_mode()
    {
        await using var host = await ChatAgentTestHost.StartAsync(TestSettings.Base());
        await using var chat = await Chat.StartAsync(host);
        var answer = await chat.AskAsync("help");
        Assert.Contains(answer.SuggestedActions!.Actions!, a => a.Title == "Talk to a person");
        Assert.IsType<OrchestratorBot>(host.Services.GetService(typeof(ChatAgent.Conversations.Service.IBot)));
    }
}

public sealed class NoModelProductQuestionTests(NoModelHost fixture) : IClassFixture<NoModelHost>
{
    [Theory]
    [InlineData("do you have wireless earbuds?", "Wireless Earbuds")]
    [InlineData("any waterproof jackets?", "Rain Jacket")]
    [InlineData("I'm after a pair of hiking boots", "Hiking Boots")]
    [InlineData("got any bluetooth speakers", "Bluetooth Speaker")]
    [InlineData("what t-shirts do you sell?", "T-Shirt")]
    [InlineData("I need a lamp for my desk", "Desk Lamp")]
    public async Task A_product_question_searches_the_catalogue_and_names_the_product(string question, string product)
    {
        await ShopData.WaitForCatalogIndexAsync(fixture.Host);
        await using var chat = await Chat.StartAsync(fixture.Host);
        var answer = await chat.AskAsync(question);
        var state = (JsonObject)answer.ChannelData![TranscriptEvents.StateKey]!;
        Assert.True(state["intent"]!.GetValue<string>() == "product_search", $"{question} → {state.ToJsonString()}: {answer.Text}");
        Assert.Contains(product, answer.Text);
        Assert.Contains(await chat.ToolEventsAsync(), t => t["name"]!.GetValue<string>() == "products_search_products");
        // The listed products also come as hero cards, the named one among them.
        Assert.NotNull(answer.Attachments);
        Assert.All(answer.Attachments, a => Assert.Equal(ChatAgent.Orchestration.Replies.ProductCards.HeroCardContentType, a.ContentType));
        Assert.Contains(answer.Attachments, a => a.Content!.ToJsonString().Contains(product, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData("what's the weather like")]
    [InlineData("you are useless")]
    public async Task A_message_that_names_no_product_is_not_taken_for_a_search(string message)
    {
        await ShopData.WaitForCatalogIndexAsync(fixture.Host);
        await using var chat = await Chat.StartAsync(fixture.Host);
        var answer = await chat.AskAsync(message);
        var state = (JsonObject)answer.ChannelData![TranscriptEvents.StateKey]!;
        Assert.NotEqual("product_search", state["intent"]?.GetValue<string>());
    }
}
