using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.BotFramework.Tests;

/// <summary>What the bot does with each kind of activity a channel sends besides a customer's message.</summary>
public sealed class ActivityTypeTests(BotFrameworkFixture fixture) : IClassFixture<BotFrameworkFixture>
{
    private FakeBotFrameworkChannel Channel => fixture.Channel;

    private Task<HttpResponseMessage> PostAsync(Activity activity, string? token = null) =>
        FakeBotFrameworkChannel.PostAsync(fixture.Host.BaseUrl, activity, token ?? fixture.ValidToken());

    [Fact]
    public async Task A_healthCheck_invoke_is_answered_in_the_response_with_healthResults_and_nothing_is_stored()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var invoke = fixture.ActivityOf(ActivityTypes.Invoke, conversationId);
        invoke.Name = "healthCheck";

        using var response = await PostAsync(invoke);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(body!["healthResults"]!["success"]!.GetValue<bool>());
        Assert.Null(await fixture.FindStoredAsync(conversationId));
        await Task.Delay(200);
        Assert.Empty(Channel.For(conversationId));
    }

    [Fact]
    public async Task An_invoke_is_answered_by_the_handler_registered_for_its_name_with_its_status_and_body()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var invoke = fixture.ActivityOf(ActivityTypes.Invoke, conversationId);
        invoke.Name = "adaptiveCard/action";
        invoke.Value = new JsonObject { ["action"] = new JsonObject { ["type"] = "Action.Execute", ["verb"] = "track" } };

        using var response = await PostAsync(invoke);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(200, body!["statusCode"]!.GetValue<int>());
        Assert.Equal("Done: track", body["value"]!.GetValue<string>());
        await Task.Delay(200);
        Assert.Empty(Channel.For(conversationId));
    }

    [Theory]
    [InlineData("composeExtension/query")]
    [InlineData("task/fetch")]
    [InlineData("")]
    public async Task An_invoke_nobody_handles_gets_501_with_a_clear_error_instead_of_silence(string name)
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var invoke = fixture.ActivityOf(ActivityTypes.Invoke, conversationId);
        invoke.Name = name;

        using var response = await PostAsync(invoke);

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("NotImplemented", body!["error"]!["code"]!.GetValue<string>());
        Assert.Contains($"'{name}'", body["error"]!["message"]!.GetValue<string>());
        await Task.Delay(200);
        Assert.Empty(Channel.For(conversationId));
    }

    [Theory]
    [InlineData("tool")]
    [InlineData("handoff")]
    [InlineData("chatagent.rating.request")]
    public async Task A_channel_cannot_post_the_bots_own_event_records(string name)
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var activity = fixture.ActivityOf(ActivityTypes.Event, conversationId);
        activity.Name = name;
        activity.Value = new System.Text.Json.Nodes.JsonObject { ["name"] = "verify_customer_by_email", ["result"] = "Verified", ["error"] = true };

        using var response = await PostAsync(activity);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("EventNotAllowed", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        Assert.Empty(await fixture.TranscriptAsync(conversationId));
    }

    [Theory]
    [InlineData(ActivityTypes.MessageReaction)]
    [InlineData(ActivityTypes.InstallationUpdate)]
    [InlineData(ActivityTypes.Event)]
    public async Task Reactions_installation_updates_and_events_are_kept_in_the_transcript_but_not_answered(string type)
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var activity = fixture.ActivityOf(type, conversationId);
        if (type == ActivityTypes.MessageReaction)
        {
            activity.Properties = new() { ["reactionsAdded"] = System.Text.Json.JsonSerializer.SerializeToElement(new[] { new { type = "like" } }) };
            activity.ReplyToId = "bot-message-1";
        }
        else if (type == ActivityTypes.InstallationUpdate)
        {
            activity.Action = "add";
        }

        using var response = await PostAsync(activity);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await fixture.WaitForIdleAsync();
        await Task.Delay(200);
        Assert.Empty(Channel.For(conversationId));
        var stored = Assert.Single(await fixture.TranscriptAsync(conversationId));
        Assert.Equal(type, stored.Type);
        if (type == ActivityTypes.MessageReaction)
        {
            Assert.Equal("like", stored.Properties!["reactionsAdded"][0].GetProperty("type").GetString());
        }
    }

    [Fact]
    public async Task Typing_is_acknowledged_but_neither_stored_nor_answered()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        (await PostAsync((Activity)fixture.Message(conversationId, "hi"))).Dispose();
        await Channel.WaitForDeliveriesAsync(conversationId, 1);
        await fixture.WaitForIdleAsync();
        var before = (await fixture.TranscriptAsync(conversationId)).Count;

        using var response = await PostAsync(fixture.ActivityOf(ActivityTypes.Typing, conversationId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Task.Delay(300);
        Assert.Equal(before, (await fixture.TranscriptAsync(conversationId)).Count);
        Assert.Single(Channel.For(conversationId));
    }

    [Fact]
    public async Task EndOfConversation_ends_it_without_a_reply_and_the_customers_next_message_reopens_it_and_is_answered()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        (await PostAsync((Activity)fixture.Message(conversationId, "first visit"))).Dispose();
        await Channel.WaitForDeliveriesAsync(conversationId, 1);
        await fixture.WaitForIdleAsync();

        using (var end = await PostAsync(fixture.ActivityOf(ActivityTypes.EndOfConversation, conversationId)))
        {
            Assert.Equal(HttpStatusCode.OK, end.StatusCode);
        }
        Assert.Equal(ConversationStatus.Ended, (await fixture.FindStoredAsync(conversationId))!.Status);
        await Task.Delay(200);
        Assert.Single(Channel.For(conversationId));

        var comeback = (Activity)fixture.Message(conversationId, "back again");
        using (var response = await PostAsync(comeback))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var deliveries = await Channel.WaitForDeliveriesAsync(conversationId, 2);
        Assert.Equal(2, deliveries.Count);
        Assert.Equal(comeback.Id, deliveries[1].Activity.ReplyToId);
        Assert.Contains("again", deliveries[1].Activity.Text);
        Assert.Equal(ConversationStatus.Active, (await fixture.FindStoredAsync(conversationId))!.Status);
        var transcript = await fixture.TranscriptAsync(conversationId);
        Assert.Equal(
            [ActivityTypes.Message, ActivityTypes.Message, ActivityTypes.EndOfConversation, ActivityTypes.Message, ActivityTypes.Message],
            transcript.Select(a => a.Type!));
    }

    [Fact]
    public async Task EndOfConversation_leaves_a_conversation_an_agent_holds_with_the_agent()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        (await PostAsync((Activity)fixture.Message(conversationId, "I need a person"))).Dispose();
        await Channel.WaitForDeliveriesAsync(conversationId, 1);
        await fixture.WaitForIdleAsync();
        var store = fixture.Host.Services.GetRequiredService<ConversationStore>();
        await store.SetStatusAsync(BotFrameworkFixture.StoreId(conversationId), ConversationStatus.Escalated, CancellationToken.None);

        (await PostAsync(fixture.ActivityOf(ActivityTypes.EndOfConversation, conversationId))).Dispose();

        Assert.Equal(ConversationStatus.Escalated, (await fixture.FindStoredAsync(conversationId))!.Status);
        Assert.Contains(await fixture.TranscriptAsync(conversationId), a => a.Type == ActivityTypes.EndOfConversation);
    }
}
