using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Shop;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.BotFramework.Tests;

/// <summary>The Bot Framework host with the real orchestrator (no-model mode) over a small seeded demo shop.</summary>
public sealed class ShopBotFrameworkFixture : BotFrameworkFixture
{
    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        foreach (var (key, value) in DemoShopTesting.Settings())
        {
            settings[key] = value;
        }
        settings["DirectLine:MessagesPerMinute"] = "60";
        return settings;
    }
}

public sealed class OrderStatusConversationTests(ShopBotFrameworkFixture fixture) : IClassFixture<ShopBotFrameworkFixture>
{
    [Fact]
    public async Task A_full_order_status_conversation_gets_the_same_answers_through_api_messages_as_through_Direct_Line_in_one_store()
    {
        var customer = await DemoShopTesting.CustomerWithOrderAsync(fixture.Host, OrderStatus.Pending);
        string[] script = ["hi", $"where is my order {customer.OrderId}?", $"it's {customer.Email}", "thanks!"];

        using var directLine = await DirectLineChat.StartAsync(fixture.Host);
        var directLineAnswers = new List<List<string>>();
        foreach (var line in script)
        {
            directLineAnswers.Add((await directLine.AskAsync(line)).Select(a => a.Text ?? "").ToList());
        }

        var conversationId = BotFrameworkFixture.NewConversationId();
        var storeId = BotFrameworkFixture.StoreId(conversationId);
        var channelAnswers = new List<List<string>>();
        foreach (var line in script)
        {
            var message = (Activity)fixture.Message(conversationId, line);
            using (var response = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, message, fixture.ValidToken()))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }
            await DemoShopTesting.WaitForTurnsAsync(fixture.Host, storeId);
            channelAnswers.Add(fixture.Channel.For(conversationId).Where(d => d.Activity.ReplyToId == message.Id).Select(d => d.Activity.Text ?? "").ToList());
        }

        // The conversation really went through verification and the order lookup, not a canned fallback.
        Assert.All(directLineAnswers, answers => Assert.NotEmpty(answers));
        Assert.Contains("Hi", directLineAnswers[0][^1]);
        Assert.Contains("email", directLineAnswers[1][^1], StringComparison.OrdinalIgnoreCase);
        Assert.Contains(customer.OrderId, directLineAnswers[2][^1]);
        Assert.Contains(customer.OrderStatus, directLineAnswers[2][^1]);
        Assert.Contains("welcome", directLineAnswers[3][^1], StringComparison.OrdinalIgnoreCase);
        Assert.Equal(directLineAnswers, channelAnswers);

        // One store holds both, each with its channel, the same bot messages and the same plugin calls.
        var store = fixture.Host.Services.GetRequiredService<ConversationStore>();
        Assert.Equal("directline", (await store.FindConversationAsync(directLine.ConversationId, CancellationToken.None))!.ChannelId);
        var stored = (await store.FindConversationAsync(storeId, CancellationToken.None))!;
        Assert.Equal("msteams", stored.ChannelId);
        Assert.Equal(fixture.Channel.ServiceUrl, stored.ServiceUrl);
        var directLineTranscript = await DemoShopTesting.TranscriptAsync(fixture.Host, directLine.ConversationId);
        var channelTranscript = await DemoShopTesting.TranscriptAsync(fixture.Host, storeId);
        Assert.Equal(Said(directLineTranscript), Said(channelTranscript));
        Assert.Equal(Tools(directLineTranscript), Tools(channelTranscript));
        Assert.Contains("orders_get_order_details", Tools(channelTranscript));
        // The tool calls (order details included) stay in the shop's transcript: the channel only ever got messages.
        Assert.All(fixture.Channel.For(conversationId), d => Assert.Equal(ActivityTypes.Message, d.Activity.Type));
    }

    [Fact]
    public async Task ExpectReplies_on_the_real_bot_returns_its_messages_but_not_its_tool_records()
    {
        var customer = await DemoShopTesting.CustomerWithOrderAsync(fixture.Host, OrderStatus.Pending, skip: 1);
        var conversationId = BotFrameworkFixture.NewConversationId();

        using var response = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl,
            fixture.Message(conversationId, $"where is order {customer.OrderId}? my email is {customer.Email}", deliveryMode: "expectReplies"), fixture.ValidToken());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var replies = (await response.Content.ReadFromJsonAsync<JsonObject>())!["activities"]!.AsArray();
        Assert.NotEmpty(replies);
        Assert.All(replies, r => Assert.Equal("message", r!["type"]!.GetValue<string>()));
        Assert.Contains(replies, r => r!["text"]!.GetValue<string>().Contains(customer.OrderId, StringComparison.Ordinal));
        Assert.Contains("orders_get_order_details", Tools(await DemoShopTesting.TranscriptAsync(fixture.Host, BotFrameworkFixture.StoreId(conversationId))));
        Assert.Empty(fixture.Channel.For(conversationId));
    }

    /// <summary>Who said what, in order: the transcript as a customer or an agent reads it.</summary>
    private static List<string> Said(IEnumerable<Activity> transcript) =>
        transcript.Where(a => a.Type == ActivityTypes.Message).Select(a => $"{a.From?.Role}: {a.Text}").ToList();

    private static List<string> Tools(IEnumerable<Activity> transcript) =>
        transcript.Where(a => a.Type == ActivityTypes.Event && a.Name == "tool").Select(a => a.Value?["name"]?.ToString() ?? "").ToList();
}
