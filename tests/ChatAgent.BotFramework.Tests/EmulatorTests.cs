using System.Net;
using ChatAgent.Conversations.Activities;
using ChatAgent.Testing;

namespace ChatAgent.BotFramework.Tests;

/// <summary>Without <c>MicrosoftAppId</c> (the local Emulator): no tokens either way, and only this machine may call.</summary>
public sealed class EmulatorTests : IAsyncLifetime
{
    private FakeBotFrameworkChannel _channel = null!;
    private ChatAgentTestHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _channel = await FakeBotFrameworkChannel.StartAsync();
        _host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?> { ["MicrosoftAppId"] = "", ["Shop:SeedDemoData"] = "false" });
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _channel.DisposeAsync();
    }

    [Fact]
    public async Task Without_an_app_id_a_local_caller_is_answered_without_tokens()
    {
        var conversationId = BotFrameworkFixture.NewConversationId();
        var message = new Activity
        {
            Type = ActivityTypes.Message,
            Id = "emulator-1",
            ChannelId = "emulator",
            ServiceUrl = _channel.ServiceUrl,
            From = new ChannelAccount { Id = "user-1" },
            Recipient = new ChannelAccount { Id = "bot" },
            Conversation = new ConversationAccount { Id = conversationId },
            Text = "hi from the emulator",
        };

        using var response = await FakeBotFrameworkChannel.PostAsync(_host.BaseUrl, message, token: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = Assert.Single(await _channel.WaitForDeliveriesAsync(conversationId, 1));
        Assert.Equal("emulator-1", reply.Activity.ReplyToId);
        Assert.Equal(string.Empty, reply.Authorization);
        Assert.Equal(0, _channel.TokenRequests);
    }
}
