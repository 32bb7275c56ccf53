using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Host.Channels.BotFramework;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.BotFramework.Tests;

/// <summary>The real host with a Bot Framework app id, trusting the fake channel's issuer, keys and token endpoint.</summary>
public sealed class BotFrameworkFixture : IAsyncLifetime
{
    public const string AppId = "11111111-2222-3333-4444-555555555555";
    public const string AppPassword = "test-app-password";
    public const string BotAccountId = "28:" + AppId;

    public FakeBotFrameworkChannel Channel { get; private set; } = null!;
    public ChatAgentTestHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Channel = await FakeBotFrameworkChannel.StartAsync();
        Host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?>
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
        });
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Channel.DisposeAsync();
    }

    public string ValidToken() => Channel.CreateToken(AppId);

    /// <summary>A customer's message as a Teams-like channel sends it.</summary>
    public object Message(string conversationId, string text, string? deliveryMode = null, string channelId = "msteams") => new Activity
    {
        Type = ActivityTypes.Message,
        Id = "channel-" + Guid.NewGuid().ToString("N")[..12],
        ChannelId = channelId,
        ServiceUrl = Channel.ServiceUrl,
        From = new ChannelAccount { Id = "29:customer-" + conversationId, Name = "Customer" },
        Recipient = new ChannelAccount { Id = BotAccountId, Name = "Shop bot" },
        Conversation = new ConversationAccount { Id = conversationId, TenantId = "tenant-1" },
        Text = text,
        DeliveryMode = deliveryMode,
    };

    public static string NewConversationId() => "a:conv-" + Guid.NewGuid().ToString("N");

    public static string StoreId(string conversationId, string channelId = "msteams") => BotFrameworkReference.StoreConversationId(channelId, conversationId);

    public Task<ConversationRecord?> FindStoredAsync(string conversationId) =>
        Host.Services.GetRequiredService<ConversationStore>().FindConversationAsync(StoreId(conversationId), CancellationToken.None);

    public async Task<IReadOnlyList<Activity>> TranscriptAsync(string conversationId) =>
        (await Host.Services.GetRequiredService<ConversationStore>().GetActivitiesAsync(StoreId(conversationId), 0, 1000, CancellationToken.None))
            .Select(s => s.Activity).ToList();
}
