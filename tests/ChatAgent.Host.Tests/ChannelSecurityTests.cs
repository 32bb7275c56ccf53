using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatAgent.Host.Channels.DirectLine;
using ChatAgent.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.Tests;

public sealed class ChannelSecurityTests : IAsyncLifetime
{
    private ChatAgentTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?>
    {
        ["DirectLine:MaxMessageLength"] = "4000",
        ["DirectLine:MessagesPerMinute"] = "1000",
    });

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(code, body!["error"]!["code"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(body["error"]!["message"]!.GetValue<string>()));
        Assert.DoesNotContain("   at ", body.ToJsonString());
    }

    [Fact]
    public async Task Requests_without_credentials_are_refused_with_401()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        await AssertErrorAsync(await _host.Http.GetAsync($"/v3/directline/conversations/{client.ConversationId}/activities"), HttpStatusCode.Unauthorized, "Unauthorized");
    }

    [Fact]
    public async Task A_forged_or_garbled_token_is_refused_with_401()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var parts = client.Token.Split('.');
        var forged = parts[0] + "." + parts[1] + "." + new string('A', parts[2].Length);
        using var withForged = _host.ClientWith(forged);
        using var withGarbage = _host.ClientWith("not-a-token");

        await AssertErrorAsync(await withForged.GetAsync($"/v3/directline/conversations/{client.ConversationId}/activities"), HttpStatusCode.Unauthorized, "Unauthorized");
        await AssertErrorAsync(await withGarbage.PostAsync($"/v3/directline/conversations/{client.ConversationId}/activities", DirectLineTestClient.Json(new { type = "message", text = "x" })), HttpStatusCode.Unauthorized, "Unauthorized");
    }

    [Fact]
    public async Task A_token_signed_with_another_secret_is_refused()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var otherShop = new DirectLineTokens(Options.Create(new DirectLineOptions { Secret = "another-shop-secret-1234567890" }), TimeProvider.System, NullLogger<DirectLineTokens>.Instance);
        using var foreign = _host.ClientWith(otherShop.Issue(client.ConversationId, null));
        await AssertErrorAsync(await foreign.GetAsync($"/v3/directline/conversations/{client.ConversationId}/activities"), HttpStatusCode.Unauthorized, "Unauthorized");
    }

    [Fact]
    public async Task An_expired_token_is_refused_with_403_TokenExpired()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var past = new PastClock(TimeSpan.FromHours(3));
        var tokens = new DirectLineTokens(Options.Create(new DirectLineOptions { Secret = _host.Secret, TokenLifetimeMinutes = 60 }), past, NullLogger<DirectLineTokens>.Instance);
        using var expired = _host.ClientWith(tokens.Issue(client.ConversationId, null));

        await AssertErrorAsync(await expired.GetAsync($"/v3/directline/conversations/{client.ConversationId}/activities"), HttpStatusCode.Forbidden, "TokenExpired");
        await AssertErrorAsync(await expired.PostAsync($"/v3/directline/conversations/{client.ConversationId}/activities", DirectLineTestClient.Json(new { type = "message", text = "late" })), HttpStatusCode.Forbidden, "TokenExpired");
        await AssertErrorAsync(await expired.PostAsync("/v3/directline/tokens/refresh", null), HttpStatusCode.Forbidden, "TokenExpired");
    }

    [Fact]
    public async Task A_token_for_one_conversation_can_neither_read_nor_post_to_another()
    {
        await using var alice = await DirectLineTestClient.StartAsync(_host);
        await using var bob = await DirectLineTestClient.StartAsync(_host);
        await alice.SendAsync("alice's secret order question");

        await AssertErrorAsync(await bob.Http.GetAsync($"/v3/directline/conversations/{alice.ConversationId}/activities"), HttpStatusCode.Forbidden, "Forbidden");
        await AssertErrorAsync(await bob.Http.PostAsync($"/v3/directline/conversations/{alice.ConversationId}/activities", DirectLineTestClient.Json(new { type = "message", text = "intrusion" })), HttpStatusCode.Forbidden, "Forbidden");
        await AssertErrorAsync(await bob.Http.GetAsync($"/v3/directline/conversations/{alice.ConversationId}"), HttpStatusCode.Forbidden, "Forbidden");

        using var socket = new System.Net.WebSockets.ClientWebSocket();
        var foreignStream = alice.StreamUrl.Replace(Uri.EscapeDataString(alice.Token), Uri.EscapeDataString(bob.Token));
        await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() => socket.ConnectAsync(new Uri(foreignStream), CancellationToken.None));

        var (activities, _) = await alice.GetActivitiesAsync();
        Assert.DoesNotContain(activities, a => a.Text == "intrusion");
    }

    [Fact]
    public async Task Only_the_secret_can_generate_tokens()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        await AssertErrorAsync(await client.Http.PostAsync("/v3/directline/tokens/generate", null), HttpStatusCode.Forbidden, "Forbidden");
    }

    [Fact]
    public async Task Oversize_text_is_refused_with_413_and_nothing_is_lost()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var kept = await client.SendAsync("a normal message");

        await AssertErrorAsync(await client.Http.PostAsync($"/v3/directline/conversations/{client.ConversationId}/activities",
            DirectLineTestClient.Json(new { type = "message", text = new string('x', 4001) })), HttpStatusCode.RequestEntityTooLarge, "MessageSizeTooBig");
        await AssertErrorAsync(await client.Http.PostAsync($"/v3/directline/conversations/{client.ConversationId}/activities",
            DirectLineTestClient.Json(new { type = "message", text = "ok", value = new string('y', 300_000) })), HttpStatusCode.RequestEntityTooLarge, "MessageSizeTooBig");

        var (activities, _) = await client.GetActivitiesAsync();
        Assert.Contains(activities, a => a.Id == kept);
        Assert.DoesNotContain(activities, a => a.Text?.Length > 4000);
        var atTheLimit = await client.SendAsync(new string('z', 4000));
        Assert.Equal(atTheLimit, (await client.WaitForReplyAsync(atTheLimit)).ReplyToId);
    }

    [Fact]
    public async Task Malformed_json_and_missing_fields_get_400_and_the_host_keeps_serving()
    {
        await using var client = await DirectLineTestClient.StartAsync(_host);
        var kept = await client.SendAsync("before the bad request");
        var url = $"/v3/directline/conversations/{client.ConversationId}/activities";

        await AssertErrorAsync(await client.Http.PostAsync(url, new StringContent("{\"type\": \"mess", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "BadSyntax");
        await AssertErrorAsync(await client.Http.PostAsync(url, new StringContent("[1,2,3]", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "BadSyntax");
        await AssertErrorAsync(await client.Http.PostAsync(url, new StringContent("{\"text\":\"no type\"}", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "MissingProperty");
        await AssertErrorAsync(await client.Http.PostAsync(url, new StringContent("", Encoding.UTF8, "application/json")), HttpStatusCode.BadRequest, "MissingProperty");
        await AssertErrorAsync(await client.Http.GetAsync(url + "?watermark=abc"), HttpStatusCode.BadRequest, "BadArgument");

        var (activities, _) = await client.GetActivitiesAsync();
        Assert.Contains(activities, a => a.Id == kept);
        Assert.Equal(HttpStatusCode.OK, (await _host.Http.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task An_unknown_conversation_is_404_for_the_secret()
    {
        using var secret = _host.ClientWith(_host.Secret);
        await AssertErrorAsync(await secret.GetAsync("/v3/directline/conversations/does-not-exist/activities"), HttpStatusCode.NotFound, "NotFound");
    }

    private sealed class PastClock(TimeSpan ago) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow - ago;
    }
}

public sealed class RateLimitTests
{
    [Fact]
    public async Task Posting_faster_than_the_limit_gets_429_with_Retry_After()
    {
        await using var host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?> { ["DirectLine:MessagesPerMinute"] = "3" });
        await using var client = await DirectLineTestClient.StartAsync(host);
        var url = $"/v3/directline/conversations/{client.ConversationId}/activities";

        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add(await client.Http.PostAsync(url, DirectLineTestClient.Json(new { type = "message", text = $"m{i}" })));
        }

        Assert.Equal(3, statuses.Count(s => s.StatusCode == HttpStatusCode.OK));
        var limited = statuses.First(s => s.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single()) >= 1);
        var body = await limited.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("TooManyRequests", body!["error"]!["code"]!.GetValue<string>());
    }
}
