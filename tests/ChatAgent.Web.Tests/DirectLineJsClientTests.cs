using System.Text.Json;
using ChatAgent.Testing;
using ChatAgent.Web.Tests.Infrastructure;

namespace ChatAgent.Web.Tests;

/// <summary>
/// The official Bot Framework client, botframework-directlinejs 0.15.8, under Node against the real host
/// (node/directline-client.mjs): one run covers WebSocket, polling and resume; each fact checks one part.
/// </summary>
public sealed class DirectLineJsClientTests(DirectLineJsClientTests.ClientRun run) : IClassFixture<DirectLineJsClientTests.ClientRun>
{
    [Fact]
    public async Task Official_client_starts_a_conversation_posts_and_receives_the_reply_over_websocket()
    {
        var part = await run.PartAsync("websocket");
        Assert.False(string.IsNullOrEmpty(part.GetProperty("conversationId").GetString()));
        Assert.Equal(part.GetProperty("grantConversationId").GetString(), part.GetProperty("conversationId").GetString());
        var postedId = part.GetProperty("postedId").GetString();
        Assert.False(string.IsNullOrEmpty(postedId));
        Assert.Equal(postedId, part.GetProperty("ownEchoId").GetString()); // the user's own activity came back with its server id
        Assert.Equal("bot", part.GetProperty("reply").GetProperty("role").GetString());
        Assert.StartsWith("You said:", part.GetProperty("reply").GetProperty("text").GetString());
        Assert.True(part.GetProperty("streamingTypingSeen").GetInt32() >= 1, "no livestreaming typing chunks arrived over the WebSocket");
    }

    [Fact]
    public async Task Official_client_with_websocket_off_posts_and_receives_the_reply_by_polling()
    {
        var part = await run.PartAsync("polling");
        Assert.False(string.IsNullOrEmpty(part.GetProperty("postedId").GetString()));
        Assert.Equal("bot", part.GetProperty("reply").GetProperty("role").GetString());
        Assert.Equal("final", part.GetProperty("reply").GetProperty("streamType").GetString());
        Assert.Equal(0, part.GetProperty("streamingTypingSeen").GetInt32()); // livestream chunks are WebSocket-only
    }

    [Fact]
    public async Task Official_client_reconnecting_with_a_watermark_gets_only_what_it_missed()
    {
        var part = await run.PartAsync("resume");
        Assert.Equal(part.GetProperty("conversationId").GetString(), part.GetProperty("resumedConversationId").GetString());
        Assert.Equal("bot", part.GetProperty("missedReply").GetProperty("role").GetString());
        Assert.True(part.GetProperty("missedUserMessageSeen").GetBoolean(), "the message posted while disconnected was not delivered after the reconnect");
        Assert.Empty(part.GetProperty("oldActivitiesSeen").EnumerateArray()); // nothing at or before the watermark again
        Assert.True(long.Parse(part.GetProperty("watermarkAfter").GetString()!, System.Globalization.CultureInfo.InvariantCulture)
            > long.Parse(part.GetProperty("watermarkBefore").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Starts a host and runs the Node script once for all the facts above.</summary>
    public sealed class ClientRun : IAsyncDisposable
    {
        private readonly Lazy<Task<JsonElement>> _result;
        private ChatAgentTestHost? _host;

        public ClientRun() => _result = new(RunAsync);

        public async Task<JsonElement> PartAsync(string name)
        {
            var result = await _result.Value;
            var part = result.GetProperty(name);
            Assert.True(part.GetProperty("ok").GetBoolean(), $"{name}: {(part.TryGetProperty("error", out var error) ? error.GetString() : part.ToString())}");
            return part;
        }

        private async Task<JsonElement> RunAsync()
        {
            WebTools.RequireNodeModules();
            _host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?> { ["Orchestrator:Enabled"] = "false" }); // client tests use the echo bot
            var script = Path.Combine(WebTools.NodeFolder, "directline-client.mjs");
            var (exitCode, stdout, stderr) = await WebTools.RunNodeAsync(TimeSpan.FromSeconds(150), script, _host.BaseUrl, "/demo/token");
            Assert.True(exitCode == 0, $"directline-client.mjs exited with {exitCode}. stderr: {stderr}");
            var lastLine = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
            Assert.False(string.IsNullOrEmpty(lastLine), $"directline-client.mjs printed nothing. stderr: {stderr}");
            return JsonDocument.Parse(lastLine).RootElement.Clone();
        }

        public async ValueTask DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }
}
