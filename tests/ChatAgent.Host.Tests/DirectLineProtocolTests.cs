using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Testing;

namespace ChatAgent.Host.Tests;

public sealed class DirectLineProtocolTests : IAsyncLifetime
{
    private ChatAgentTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?> { ["Orchestrator:Enabled"] = "false" }); // wire-format tests use the echo bot

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task A_posted_message_is_acknowledged_with_a_server_id_and_answered_by_the_bot()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);

        var id = await client.SendAsync("hello shop", "client-1");
        var reply = await client.WaitForReplyAsync(id);

        Assert.StartsWith(client.ConversationId + "|", id);
        Assert.Equal(RoleTypes.Bot, reply.From!.Role);
        Assert.Contains("hello", reply.Text);
        var (activities, watermark) = await client.GetActivitiesAsync();
        var echoed = activities.Single(a => a.Id == id);
        Assert.Equal("client-1", echoed.ClientActivityId);
        Assert.Equal("directline", echoed.ChannelId);
        Assert.Equal(activities.Count.ToString(), watermark);
    }

    [Fact]
    public async Task Polling_by_watermark_returns_only_newer_activities_in_order()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var first = await client.SendAsync("one");
        await client.WaitForReplyAsync(first);
        var (_, watermark) = await client.GetActivitiesAsync();

        var second = await client.SendAsync("two");
        await client.WaitForReplyAsync(second);
        var (newer, newWatermark) = await client.GetActivitiesAsync(watermark);

        Assert.Equal(second, newer[0].Id);
        Assert.All(newer, a => Assert.True(string.CompareOrdinal(a.Id, first) > 0));
        Assert.True(long.Parse(newWatermark) > long.Parse(watermark));
        Assert.Equal(newer.Select(a => a.Id).Order(StringComparer.Ordinal), newer.Select(a => a.Id));
    }

    [Fact]
    public async Task The_stream_echoes_the_customer_message_then_livestreams_and_finalises_the_reply()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        await client.ConnectStreamAsync();

        var id = await client.SendAsync("stream me please", "client-stream");
        var frames = await client.ReadStreamUntilAsync(r => r.Any(x => x.Activity.Type == "message" && x.Activity.ReplyToId == id));

        var echo = frames.First(f => f.Activity.Id == id);
        Assert.Equal("client-stream", echo.Activity.ClientActivityId);
        var chunks = frames.Where(f => f.Activity.Type == ActivityTypes.Typing).Select(f => f.Activity).ToList();
        Assert.NotEmpty(chunks);
        var streaming = chunks.Where(c => c.ChannelData!["streamType"]!.GetValue<string>() == "streaming").ToList();
        Assert.NotEmpty(streaming);
        var streamId = chunks[0].Id;
        Assert.All(chunks, c => Assert.Equal(streamId, c.ChannelData!["streamId"]!.GetValue<string>()));
        var sequences = chunks.Select(c => c.ChannelData!["streamSequence"]!.GetValue<int>()).ToList();
        Assert.Equal(sequences.Order(), sequences);
        var final = frames.Last().Activity;
        Assert.Equal("final", final.ChannelData!["streamType"]!.GetValue<string>());
        Assert.Equal(streamId, final.ChannelData!["streamId"]!.GetValue<string>());
        Assert.StartsWith(streaming[^1].Text!.TrimEnd(), final.Text);
    }

    [Fact]
    public async Task Resuming_a_conversation_by_watermark_streams_only_what_was_missed()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var first = await client.SendAsync("before the reconnect");
        await client.WaitForReplyAsync(first);
        var (_, watermark) = await client.GetActivitiesAsync();
        var missed = await client.SendAsync("while offline");
        await client.WaitForReplyAsync(missed);

        var resume = await client.Http.GetFromJsonAsync<JsonObject>($"/v3/directline/conversations/{client.ConversationId}?watermark={watermark}");
        await client.ConnectStreamAsync(resume!["streamUrl"]!.GetValue<string>());
        var frames = await client.ReadStreamUntilAsync(r => r.Any(x => x.Activity.ReplyToId == missed && x.Activity.Type == "message"));

        Assert.Equal(missed, frames[0].Activity.Id);
        Assert.DoesNotContain(frames, f => f.Activity.Id == first);
    }

    [Fact]
    public async Task A_token_refresh_gives_a_working_token_for_the_same_conversation()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var refreshed = await client.Http.PostAsync("/v3/directline/tokens/refresh", null);
        refreshed.EnsureSuccessStatusCode();
        var body = (await refreshed.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(client.ConversationId, body["conversationId"]!.GetValue<string>());

        using var withNewToken = _host.ClientWith(body["token"]!.GetValue<string>());
        var read = await withNewToken.GetAsync($"/v3/directline/conversations/{client.ConversationId}/activities");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task A_user_id_bound_by_the_shop_cannot_be_spoofed_by_the_client()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host, userId: "customer-42");
        var id = await client.SendAsync("hi");   // the client claims from.id "customer-1"

        var (activities, _) = await client.GetActivitiesAsync();
        Assert.Equal("customer-42", activities.Single(a => a.Id == id).From!.Id);
    }

    [Fact]
    public async Task Fields_the_host_does_not_interpret_round_trip_untouched()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var posted = new JsonObject
        {
            ["type"] = "message",
            ["text"] = "with extras",
            ["channelData"] = new JsonObject { ["clientActivityID"] = "x1", ["nested"] = new JsonObject { ["a"] = new JsonArray(1, 2, 3) } },
            ["entities"] = new JsonArray(new JsonObject { ["type"] = "ClientCapabilities", ["requiresBotState"] = true }),
            ["customTopLevel"] = new JsonObject { ["kept"] = "yes" },
            ["locale"] = "en-GB",
        };
        var response = await client.Http.PostAsync($"/v3/directline/conversations/{client.ConversationId}/activities",
            new StringContent(posted.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        var raw = JsonNode.Parse(await client.Http.GetStringAsync($"/v3/directline/conversations/{client.ConversationId}/activities"))!;
        var stored = raw["activities"]!.AsArray().Single(a => a!["id"]!.GetValue<string>() == id)!;
        Assert.True(JsonNode.DeepEquals(posted["channelData"], stored["channelData"]));
        Assert.True(JsonNode.DeepEquals(posted["entities"], stored["entities"]));
        Assert.True(JsonNode.DeepEquals(posted["customTopLevel"], stored["customTopLevel"]));
        Assert.Equal("en-GB", stored["locale"]!.GetValue<string>());
    }

    [Fact]
    public async Task Help_offers_suggested_actions()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var reply = await client.WaitForReplyAsync(await client.SendAsync("help"));
        Assert.NotEmpty(reply.SuggestedActions!.Actions!);
        Assert.All(reply.SuggestedActions.Actions!, a => Assert.Equal("imBack", a.Type));
    }

    [Fact]
    public async Task An_uploaded_file_arrives_as_an_attachment_of_the_message()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent("""{"type":"message","text":"see receipt"}""", System.Text.Encoding.UTF8, "application/vnd.microsoft.activity"), "activity", "blob");
        form.Add(new ByteArrayContent("receipt body"u8.ToArray()) { Headers = { ContentType = new("text/plain") } }, "file", "receipt.txt");
        var response = await client.Http.PostAsync($"/v3/directline/conversations/{client.ConversationId}/upload?userId=customer-1", form);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonObject>())!["id"]!.GetValue<string>();

        var (activities, _) = await client.GetActivitiesAsync();
        var attachment = activities.Single(a => a.Id == id).Attachments!.Single();
        Assert.Equal("receipt.txt", attachment.Name);
        Assert.Equal("data:text/plain;base64," + Convert.ToBase64String("receipt body"u8.ToArray()), attachment.ContentUrl);
    }

    [Fact]
    public async Task A_shop_page_on_another_origin_may_call_direct_line_from_the_browser()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v3/directline/conversations");
        preflight.Headers.Add("Origin", "https://shop.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        var response = await _host.Http.SendAsync(preflight);

        Assert.True(response.IsSuccessStatusCode);
        Assert.Equal("*", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("authorization", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Health_reports_the_database_state_as_json()
    {
        var health = await _host.Http.GetFromJsonAsync<JsonObject>("/health");
        Assert.Equal("Healthy", health!["status"]!.GetValue<string>());
        Assert.Equal("Healthy", health["checks"]!["database"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_demo_page_gets_a_token_without_the_secret_and_the_page_is_served()
    {
        var token = await _host.Http.PostAsync("/demo/token", null);
        var body = (await token.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.False(string.IsNullOrEmpty(body["token"]!.GetValue<string>()));
        Assert.DoesNotContain(_host.Secret, body.ToJsonString());

        var page = await _host.Http.GetStringAsync("/");
        Assert.DoesNotContain(_host.Secret, page);
    }
}
