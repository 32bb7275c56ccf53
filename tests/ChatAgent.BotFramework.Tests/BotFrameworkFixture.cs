using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using ChatAgent.Host.Channels.BotFramework;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.BotFramework.Tests;

/// <summary>The real host with a Bot Framework app id, trusting the fake channel's issuer, keys and token endpoint.</summary>
public class BotFrameworkFixture : IAsyncLifetime
{
    public const string AppId = "11111111-2222-3333-4444-555555555555";
    public const string AppPassword = "test-app-password";
    public const string BotAccountId = "28:" + AppId;
    public const int MessagesPerMinute = 6;

    public FakeBotFrameworkChannel Channel { get; private set; } = null!;
    public ChatAgentTestHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Channel = await FakeBotFrameworkChannel.StartAsync();
        Host = await ChatAgentTestHost.StartAsync(Settings(), services => services.AddSingleton<IBotFrameworkInvokeHandler, CardActionHandler>());
    }

    /// <summary>The host's configuration: a Bot Framework app id trusting the fake channel, and the echo bot.</summary>
    protected virtual Dictionary<string, string?> Settings() => new()
    {
        ["MicrosoftAppId"] = AppId,
        ["MicrosoftAppPassword"] = AppPassword,
        ["BotFramework:OpenIdMetadataUrl"] = Channel.MetadataUrl,
        ["BotFramework:ValidIssuers:0"] = FakeBotFrameworkChannel.Issuer,
        ["BotFramework:TokenEndpoint"] = Channel.TokenEndpoint,
        ["BotFramework:RetryBaseDelayMilliseconds"] = "50",
        ["Conversations:StreamIntervalMilliseconds"] = "0",
        // The echo bot needs no shop; seeding one would only slow the start.
        ["Shop:SeedDemoData"] = "false",
        // These are transport tests: the echo bot livestreams the customer's words back, which they assert on.
        ["Orchestrator:Enabled"] = "false",
        // Low enough for the rate-limit test to reach; no other test sends this many activities to one conversation.
        ["DirectLine:MessagesPerMinute"] = MessagesPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Channel.DisposeAsync();
    }

    public string ValidToken() => Channel.CreateToken(AppId);

    /// <summary>A customer's message as a Teams-like channel sends it.</summary>
    public object Message(string conversationId, string text, string? deliveryMode = null, string channelId = "msteams")
    {
        var message = ActivityOf(ActivityTypes.Message, conversationId, channelId);
        message.Text = text;
        message.DeliveryMode = deliveryMode;
        return message;
    }

    /// <summary>Any activity of the conversation as the channel sends it (from the customer, to the bot).</summary>
    public Activity ActivityOf(string type, string conversationId, string channelId = "msteams", string? serviceUrl = null) => new()
    {
        Type = type,
        Id = "channel-" + Guid.NewGuid().ToString("N")[..12],
        ChannelId = channelId,
        ServiceUrl = serviceUrl ?? Channel.ServiceUrl,
        From = new ChannelAccount { Id = "29:customer-" + conversationId, Name = "Customer" },
        Recipient = new ChannelAccount { Id = BotAccountId, Name = "Shop bot" },
        Conversation = new ConversationAccount { Id = conversationId, TenantId = "tenant-1" },
    };

    /// <summary>Waits until the bot has no turn running or queued.</summary>
    public async Task WaitForIdleAsync()
    {
        var scheduler = Host.Services.GetRequiredService<TurnScheduler>();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!scheduler.IsIdle && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    public static string NewConversationId() => "a:conv-" + Guid.NewGuid().ToString("N");

    public static string StoreId(string conversationId, string channelId = "msteams") => BotFrameworkReference.StoreConversationId(channelId, conversationId);

    public Task<ConversationRecord?> FindStoredAsync(string conversationId) =>
        Host.Services.GetRequiredService<ConversationStore>().FindConversationAsync(StoreId(conversationId), CancellationToken.None);

    public async Task<IReadOnlyList<Activity>> TranscriptAsync(string conversationId) =>
        (await Host.Services.GetRequiredService<ConversationStore>().GetActivitiesAsync(StoreId(conversationId), 0, 1000, CancellationToken.None))
            .Select(s => s.Activity).ToList();
}

/// <summary>A shop's own invoke handler, as a developer registers one: answers Adaptive Card Action.Execute with a message.</summary>
public sealed class CardActionHandler : IBotFrameworkInvokeHandler
{
    public string Name => "adaptiveCard/action";

    public Task<BotFrameworkInvokeResponse> HandleAsync(Activity invoke, CancellationToken cancellationToken) =>
        Task.FromResult(new BotFrameworkInvokeResponse(200, new System.Text.Json.Nodes.JsonObject
        {
            ["statusCode"] = 200,
            ["type"] = "application/vnd.microsoft.activity.message",
            ["value"] = $"Done: {invoke.Value?["action"]?["verb"]}",
        }));
}
