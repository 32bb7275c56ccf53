using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace ChatAgent.BotFramework.Tests;

public sealed class BotFrameworkChannelTests(BotFrameworkFixture fixture) : IClassFixture<BotFrameworkFixture>
{
    private FakeBotFrameworkChannel Channel => fixture.Channel;

    [Fact]
    public async Task A_message_is_answered_at_the_channels_serviceUrl_as_a_reply_and_kept_in_the_transcript()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var message = (Activity)fixture.Message(conversationId, "hello there");

        using var response = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, message, fixture.ValidToken());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var reply = Assert.Single(await Channel.WaitForDeliveriesAsync(conversationId, 1));
        Assert.Equal($"/channel/v3/conversations/{Uri.EscapeDataString(conversationId)}/activities/{message.Id}", reply.Path);
        Assert.Equal("Bearer " + FakeBotFrameworkChannel.AccessToken, reply.Authorization);
        Assert.Equal(ActivityTypes.Message, reply.Activity.Type);
        Assert.Equal(message.Id, reply.Activity.ReplyToId);
        Assert.Equal(conversationId, reply.Activity.Conversation!.Id);
        Assert.Equal("tenant-1", reply.Activity.Conversation.TenantId);
        Assert.Equal(BotFrameworkFixture.BotAccountId, reply.Activity.From!.Id);
        Assert.Equal(message.From!.Id, reply.Activity.Recipient!.Id);
        Assert.Equal("msteams", reply.Activity.ChannelId);
        Assert.False(string.IsNullOrWhiteSpace(reply.Activity.Text));
        Assert.False(reply.Activity.Properties?.ContainsKey("chatAgentBotFramework") ?? false);

        // The same store as Direct Line: the conversation keeps its channel and serviceUrl, and both sides of the turn.
        var stored = await fixture.FindStoredAsync(conversationId);
        Assert.NotNull(stored);
        Assert.Equal("msteams", stored.ChannelId);
        Assert.Equal(Channel.ServiceUrl, stored.ServiceUrl);
        var transcript = await fixture.TranscriptAsync(conversationId);
        Assert.Collection(transcript,
            customer => { Assert.Equal("hello there", customer.Text); Assert.Equal(RoleTypes.User, customer.From!.Role); },
            bot => { Assert.Equal(reply.Activity.Text, bot.Text); Assert.Equal(transcript[0].Id, bot.ReplyToId); });
    }

    [Fact]
    public async Task The_same_question_gets_the_same_answer_through_api_messages_as_through_Direct_Line_in_one_store()
    {
        const string question = "where is my order W123";
        using var directLine = fixture.Host.ClientWith(fixture.Host.Secret);
        using var started = await directLine.PostAsync("/v3/directline/conversations", null);
        var directLineId = (await started.Content.ReadFromJsonAsync<JsonObject>())!["conversationId"]!.GetValue<string>();
        (await directLine.PostAsJsonAsync($"/v3/directline/conversations/{directLineId}/activities", new { type = "message", from = new { id = "dl-customer" }, text = question })).Dispose();
        string? directLineAnswer = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); directLineAnswer is null && DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            var read = await directLine.GetFromJsonAsync<JsonObject>($"/v3/directline/conversations/{directLineId}/activities");
            directLineAnswer = read!["activities"]!.AsArray()
                .FirstOrDefault(a => a!["type"]!.GetValue<string>() == "message" && a["from"]!["id"]!.GetValue<string>() != "dl-customer")?["text"]?.GetValue<string>();
        }

        var conversationId = BotFrameworkFixture.NewConversationId();
        (await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, fixture.Message(conversationId, question), fixture.ValidToken())).Dispose();
        var reply = Assert.Single(await Channel.WaitForDeliveriesAsync(conversationId, 1));

        Assert.NotNull(directLineAnswer);
        Assert.Equal(directLineAnswer, reply.Activity.Text);
        var store = fixture.Host.Services.GetRequiredService<ChatAgent.Conversations.Store.ConversationStore>();
        Assert.Equal("directline", (await store.FindConversationAsync(directLineId, CancellationToken.None))!.ChannelId);
        Assert.Equal("msteams", (await fixture.FindStoredAsync(conversationId))!.ChannelId);
    }

    [Fact]
    public async Task Livestreamed_replies_reach_a_Bot_Framework_channel_as_the_final_message_only()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        using var response = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, fixture.Message(conversationId, "one two three four"), fixture.ValidToken());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Channel.WaitForDeliveriesAsync(conversationId, 1);
        await fixture.WaitForIdleAsync();
        var delivered = Channel.For(conversationId);
        var final = Assert.Single(delivered);
        Assert.Equal(ActivityTypes.Message, final.Activity.Type);
        Assert.Contains("four", final.Activity.Text);
    }

    public static TheoryData<string> BadTokens => ["missing", "expired", "wrongly signed", "wrong audience", "wrong issuer", "garbage", "other serviceUrl"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task A_request_without_a_valid_channel_token_is_refused_with_401_and_nothing_is_stored_or_answered(string problem)
    {
        using var otherKey = RSA.Create(2048);
        var token = problem switch
        {
            "missing" => null,
            "expired" => Channel.CreateToken(BotFrameworkFixture.AppId, expiresIn: TimeSpan.FromMinutes(-30)),
            "wrongly signed" => Channel.CreateToken(BotFrameworkFixture.AppId, signWith: new RsaSecurityKey(otherKey) { KeyId = Channel.SigningKey.KeyId }),
            "wrong audience" => Channel.CreateToken("another-bots-app-id"),
            "wrong issuer" => Channel.CreateToken(BotFrameworkFixture.AppId, issuer: "https://evil.example"),
            "garbage" => "not.a.jwt",
            "other serviceUrl" => Channel.CreateToken(BotFrameworkFixture.AppId, serviceUrl: "https://elsewhere.example/"),
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };
        var conversationId = BotFrameworkFixture.NewConversationId();

        using var response = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, fixture.Message(conversationId, "let me in"), token);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Unauthorized", body!["error"]!["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(body["error"]!["message"]!.GetValue<string>()));
        Assert.DoesNotContain("   at ", body.ToJsonString());
        Assert.Null(await fixture.FindStoredAsync(conversationId));
        await Task.Delay(200);
        Assert.Empty(Channel.For(conversationId));
    }

    [Fact]
    public async Task ExpectReplies_returns_the_replies_in_the_response_body_instead_of_posting_them()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var message = (Activity)fixture.Message(conversationId, "help", deliveryMode: "expectReplies");

        using var response = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, message, fixture.ValidToken());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        var reply = Assert.Single(body!["activities"]!.AsArray());
        Assert.Equal("message", reply!["type"]!.GetValue<string>());
        Assert.Equal(message.Id, reply["replyToId"]!.GetValue<string>());
        Assert.Equal(conversationId, reply["conversation"]!["id"]!.GetValue<string>());
        Assert.NotNull(reply["suggestedActions"]);
        await Task.Delay(200);
        Assert.Empty(Channel.For(conversationId));
        Assert.Equal(2, (await fixture.TranscriptAsync(conversationId)).Count);
    }

    [Fact]
    public async Task A_429_from_the_channel_is_retried_after_Retry_After_and_the_reply_arrives_once()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var attemptsBefore = Channel.PostAttempts;
        Channel.RefuseNextPosts(1);

        using var response = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, fixture.Message(conversationId, "are you there"), fixture.ValidToken());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.Single(await Channel.WaitForDeliveriesAsync(conversationId, 1));
        await fixture.WaitForIdleAsync();
        await Task.Delay(300);
        Assert.Single(Channel.For(conversationId));
        Assert.Equal(attemptsBefore + 2, Channel.PostAttempts);
    }

    [Fact]
    public async Task The_outbound_token_is_fetched_once_and_reused_for_later_replies()
    {
        var first = BotFrameworkFixture.NewConversationId();
        var second = BotFrameworkFixture.NewConversationId();
        (await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, fixture.Message(first, "one"), fixture.ValidToken())).Dispose();
        await Channel.WaitForDeliveriesAsync(first, 1);
        (await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, fixture.Message(second, "two"), fixture.ValidToken())).Dispose();
        await Channel.WaitForDeliveriesAsync(second, 1);

        Assert.All(Channel.For(first).Concat(Channel.For(second)), d => Assert.Equal("Bearer " + FakeBotFrameworkChannel.AccessToken, d.Authorization));
        Assert.Equal(1, Channel.TokenRequests);
    }

    [Fact]
    public async Task A_customer_joining_the_conversation_is_greeted_but_the_bot_joining_is_not()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var botJoins = new Activity
        {
            Type = ActivityTypes.ConversationUpdate,
            Id = "update-bot",
            ChannelId = "msteams",
            ServiceUrl = Channel.ServiceUrl,
            From = new ChannelAccount { Id = "29:new-customer" },
            Recipient = new ChannelAccount { Id = BotFrameworkFixture.BotAccountId },
            Conversation = new ConversationAccount { Id = conversationId },
            MembersAdded = [new ChannelAccount { Id = BotFrameworkFixture.BotAccountId }],
        };
        (await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, botJoins, fixture.ValidToken())).Dispose();
        var customerJoins = botJoins.Clone();
        customerJoins.Id = "update-customer";
        customerJoins.MembersAdded = [new ChannelAccount { Id = "29:new-customer", Name = "New customer" }];
        using var response = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, customerJoins, fixture.ValidToken());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var greeting = Assert.Single(await Channel.WaitForDeliveriesAsync(conversationId, 1));
        Assert.Equal("update-customer", greeting.Activity.ReplyToId);
        Assert.Equal("29:new-customer", greeting.Activity.Recipient!.Id);
        Assert.False(string.IsNullOrWhiteSpace(greeting.Activity.Text));
        await Task.Delay(200);
        Assert.Single(Channel.For(conversationId));
    }

    [Fact]
    public async Task An_agents_message_without_a_reply_to_is_posted_to_the_conversation_proactively()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        (await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, fixture.Message(conversationId, "hi"), fixture.ValidToken())).Dispose();
        await Channel.WaitForDeliveriesAsync(conversationId, 1);
        await fixture.WaitForIdleAsync();

        var conversations = fixture.Host.Services.GetRequiredService<ConversationService>();
        var record = (await fixture.FindStoredAsync(conversationId))!;
        await conversations.SendAsync(record, new Activity { Text = "An agent here: your parcel left the warehouse." }, CancellationToken.None);

        var deliveries = await Channel.WaitForDeliveriesAsync(conversationId, 2);
        var proactive = deliveries[1];
        Assert.Equal($"/channel/v3/conversations/{Uri.EscapeDataString(conversationId)}/activities", proactive.Path);
        Assert.Null(proactive.Activity.ReplyToId);
        Assert.Equal(BotFrameworkFixture.BotAccountId, proactive.Activity.From!.Id);
    }

    [Fact]
    public async Task Conversations_of_different_channels_with_the_same_id_stay_apart()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        (await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, fixture.Message(conversationId, "from teams"), fixture.ValidToken())).Dispose();
        (await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, fixture.Message(conversationId, "from slack", channelId: "slack"), fixture.ValidToken())).Dispose();
        var replies = await Channel.WaitForDeliveriesAsync(conversationId, 2);

        Assert.Equal(["msteams", "slack"], replies.Select(r => r.Activity.ChannelId!).Order());
        Assert.Single(await fixture.TranscriptAsync(conversationId), a => a.Text == "from teams");
        Assert.DoesNotContain(await fixture.TranscriptAsync(conversationId), a => a.Text == "from slack");
    }

    [Fact]
    public async Task A_conversation_id_too_long_for_the_store_is_answered_under_the_channels_own_id()
    {
        var conversationId = "19:" + new string('x', 90) + "@thread.tacv2;messageid=" + Guid.NewGuid().ToString("N");
        var message = (Activity)fixture.Message(conversationId, "long id");

        using var response = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, message, fixture.ValidToken());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var reply = Assert.Single(await Channel.WaitForDeliveriesAsync(conversationId, 1));
        Assert.Equal(conversationId, reply.Activity.Conversation!.Id);
        Assert.Equal(message.Id, reply.Activity.ReplyToId);
        Assert.Equal(2, (await fixture.TranscriptAsync(conversationId)).Count);
    }

    [Fact]
    public async Task A_malformed_activity_gets_400_with_a_clear_error()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, fixture.Host.BaseUrl + "/api/messages")
        {
            Content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json"),
            Headers = { Authorization = new("Bearer", fixture.ValidToken()) },
        };
        using var notJson = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);
        Assert.Equal("BadSyntax", (await notJson.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());

        using var noConversation = await FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, new { type = "message", channelId = "msteams", serviceUrl = Channel.ServiceUrl, text = "x" }, fixture.ValidToken());
        Assert.Equal(HttpStatusCode.BadRequest, noConversation.StatusCode);
        var body = await noConversation.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("MissingProperty", body!["error"]!["code"]!.GetValue<string>());
    }
}
