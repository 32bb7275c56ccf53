using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.BotFramework.Tests;

/// <summary>What /api/messages refuses before anything is stored, and where it sends what it accepted.</summary>
public sealed class InboundChecksTests(BotFrameworkFixture fixture) : IClassFixture<BotFrameworkFixture>
{
    private FakeBotFrameworkChannel Channel => fixture.Channel;

    private Task<HttpResponseMessage> PostAsync(object activity, string? token = null) =>
        FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, activity, token ?? fixture.ValidToken());

    [Fact]
    public async Task A_token_signed_by_a_key_not_endorsed_for_the_activitys_channel_is_refused_with_401_and_nothing_is_stored()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var webChatOnly = Channel.CreateToken(BotFrameworkFixture.AppId, signWith: Channel.WebChatSigningKey);

        using var refused = await PostAsync(fixture.Message(conversationId, "pretending to come from Teams"), webChatOnly);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var body = await refused.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Unauthorized", body!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("endorsed", body["error"]!["message"]!.GetValue<string>());
        Assert.Null(await fixture.FindStoredAsync(conversationId));

        // The key itself is good, for the channel it is endorsed for.
        using var accepted = await PostAsync(fixture.Message(conversationId, "hello from Web Chat", channelId: "webchat"), webChatOnly);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var reply = Assert.Single(await Channel.WaitForDeliveriesAsync(conversationId, 1));
        Assert.Equal("webchat", reply.Activity.ChannelId);
        Assert.Null(await fixture.FindStoredAsync(conversationId));
    }

    [Fact]
    public async Task The_channels_main_key_cannot_vouch_for_a_channel_it_is_not_endorsed_for()
    {
        Assert.DoesNotContain("facebook", FakeBotFrameworkChannel.Endorsements);
        var conversationId = BotFrameworkFixture.NewConversationId();

        using var refused = await PostAsync(fixture.Message(conversationId, "hi", channelId: "facebook"));

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Null(await fixture.Host.Services.GetRequiredService<ChatAgent.Conversations.Store.ConversationStore>()
            .FindConversationAsync(BotFrameworkFixture.StoreId(conversationId, "facebook"), CancellationToken.None));
        await Task.Delay(200);
        Assert.Empty(Channel.For(conversationId));
    }

    [Fact]
    public async Task Replies_and_agent_messages_go_to_the_serviceUrl_of_the_newest_authenticated_activity()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        (await PostAsync(fixture.Message(conversationId, "first"))).Dispose();
        await Channel.WaitForDeliveriesAsync(conversationId, 1);
        await fixture.WaitForIdleAsync();

        var moved = Channel.ServiceUrlNamed("moved");
        var second = fixture.ActivityOf(ActivityTypes.Message, conversationId, serviceUrl: moved);
        second.Text = "second";
        using (var response = await PostAsync(second, Channel.CreateToken(BotFrameworkFixture.AppId, serviceUrl: moved)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        var replies = await Channel.WaitForDeliveriesAsync(conversationId, 2);
        Assert.StartsWith("/moved/v3/conversations/", replies[1].Path);
        Assert.Equal(moved, replies[1].Activity.ServiceUrl);
        await fixture.WaitForIdleAsync();

        // A request that fails authentication cannot move the conversation anywhere.
        var hijack = fixture.ActivityOf(ActivityTypes.Message, conversationId, serviceUrl: Channel.ServiceUrlNamed("hijacked"));
        hijack.Text = "third";
        using (var refused = await PostAsync(hijack, Channel.CreateToken(BotFrameworkFixture.AppId, serviceUrl: Channel.ServiceUrlNamed("hijacked"), expiresIn: TimeSpan.FromMinutes(-30))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var conversations = fixture.Host.Services.GetRequiredService<ConversationService>();
        var record = (await fixture.FindStoredAsync(conversationId))!;
        Assert.Equal(moved, record.ServiceUrl);
        await conversations.SendAsync(record, new Activity { Text = "An agent here." }, CancellationToken.None);
        var proactive = (await Channel.WaitForDeliveriesAsync(conversationId, 3))[2];
        Assert.Equal($"/moved/v3/conversations/{Uri.EscapeDataString(conversationId)}/activities", proactive.Path);
        Assert.Equal("An agent here.", proactive.Activity.Text);
    }

    [Fact]
    public async Task A_conversation_over_its_message_budget_gets_429_with_Retry_After_and_the_extra_message_is_not_stored()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        // Posted back to back; on a very slow machine the bucket may refill a token meanwhile, so post until refused.
        for (var i = 0; i < 3 * BotFrameworkFixture.MessagesPerMinute && last?.StatusCode != HttpStatusCode.TooManyRequests; i++)
        {
            last?.Dispose();
            last = await PostAsync(fixture.Message(conversationId, $"message {i}"));
            statuses.Add(last.StatusCode);
        }

        Assert.All(statuses.Take(BotFrameworkFixture.MessagesPerMinute), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.True(last!.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {last.Headers.RetryAfter}");
        var body = await last.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("TooManyRequests", body!["error"]!["code"]!.GetValue<string>());
        last.Dispose();

        var accepted = statuses.Count - 1;
        await Channel.WaitForDeliveriesAsync(conversationId, accepted);
        await fixture.WaitForIdleAsync();
        var customerMessages = (await fixture.TranscriptAsync(conversationId)).Where(a => a.From?.Role == RoleTypes.User).Select(a => a.Text).ToList();
        Assert.Equal(accepted, customerMessages.Count);
        Assert.DoesNotContain($"message {accepted}", customerMessages);

        // Typing indicators are not counted (Web Chat sends them every few seconds while someone types).
        using (var typing = await PostAsync(fixture.ActivityOf(ActivityTypes.Typing, conversationId)))
        {
            Assert.Equal(HttpStatusCode.OK, typing.StatusCode);
        }

        // The budget is per conversation: another customer is not slowed down.
        using var other = await PostAsync(fixture.Message(BotFrameworkFixture.NewConversationId(), "someone else"));
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    public static TheoryData<string, string, HttpStatusCode, string> BadBodies()
    {
        const string Url = "http://127.0.0.1:1/channel/";
        var complete = $$"""{"type":"message","id":"m1","channelId":"msteams","serviceUrl":"{{Url}}","from":{"id":"29:x"},"conversation":{"id":"CONV"},"text":"hi"}""";
        return new()
        {
            { "not JSON", "{not json", HttpStatusCode.BadRequest, "BadSyntax" },
            { "empty body", "", HttpStatusCode.BadRequest, "BadSyntax" },
            { "JSON null", "null", HttpStatusCode.BadRequest, "BadSyntax" },
            { "an array", "[]", HttpStatusCode.BadRequest, "BadSyntax" },
            { "conversation of the wrong type", complete.Replace("{\"id\":\"CONV\"}", "\"CONV\"", StringComparison.Ordinal), HttpStatusCode.BadRequest, "BadSyntax" },
            { "no type", complete.Replace("\"type\":\"message\",", "", StringComparison.Ordinal), HttpStatusCode.BadRequest, "MissingProperty" },
            { "no conversation", complete.Replace(",\"conversation\":{\"id\":\"CONV\"}", "", StringComparison.Ordinal), HttpStatusCode.BadRequest, "MissingProperty" },
            { "no from", complete.Replace(",\"from\":{\"id\":\"29:x\"}", "", StringComparison.Ordinal), HttpStatusCode.BadRequest, "MissingProperty" },
            { "from without an id", complete.Replace("{\"id\":\"29:x\"}", "{\"name\":\"x\"}", StringComparison.Ordinal), HttpStatusCode.BadRequest, "MissingProperty" },
            { "no serviceUrl", complete.Replace($",\"serviceUrl\":\"{Url}\"", "", StringComparison.Ordinal), HttpStatusCode.BadRequest, "MissingProperty" },
            { "a relative serviceUrl", complete.Replace(Url, "/channel/", StringComparison.Ordinal), HttpStatusCode.BadRequest, "MissingProperty" },
            { "a channelId with a slash", complete.Replace("msteams", "ms/teams", StringComparison.Ordinal), HttpStatusCode.BadRequest, "BadArgument" },
            { "a body over the size limit", complete.Replace("\"text\":\"hi\"", "\"text\":\"" + new string('x', 300 * 1024) + "\"", StringComparison.Ordinal), HttpStatusCode.RequestEntityTooLarge, "MessageSizeTooBig" },
        };
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_bad_activity_gets_a_clear_JSON_error_never_a_500_and_nothing_is_stored(string problem, string body, HttpStatusCode status, string code)
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        // The same serviceUrl as the token's claim, so only the problem under test can fail the request.
        body = body.Replace("http://127.0.0.1:1/channel/", Channel.ServiceUrl, StringComparison.Ordinal).Replace("CONV", conversationId, StringComparison.Ordinal);

        using var response = await FakeBotFrameworkChannel.PostRawAsync(fixture.Host.BaseUrl, body, fixture.ValidToken());

        Assert.True(status == response.StatusCode, $"{problem}: expected {status}, got {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var error = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(code, error!["error"]!["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(error["error"]!["message"]!.GetValue<string>()));
        Assert.DoesNotContain("   at ", error.ToJsonString());
        Assert.Null(await fixture.FindStoredAsync(conversationId));
    }
}
