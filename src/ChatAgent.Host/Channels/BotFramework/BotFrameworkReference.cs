using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatAgent.Conversations.Activities;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>
/// What the store's own ids replace on an inbound activity and a reply needs back: the channel's activity and
/// conversation ids and the serviceUrl. Kept on the stored activity (as an extra property, so it survives restarts);
/// <see cref="ExpectRepliesId"/> marks a request that waits for its replies in the HTTP response.
/// </summary>
public sealed record BotFrameworkReference(string? ActivityId, string ConversationId, string ServiceUrl, string? ExpectRepliesId)
{
    public const string PropertyName = "chatAgentBotFramework";

    public static BotFrameworkReference? Read(Activity activity) =>
        activity.Properties?.TryGetValue(PropertyName, out var element) == true && element.ValueKind == JsonValueKind.Object
            ? element.Deserialize<BotFrameworkReference>(ActivityJson.Options)
            : null;

    public void WriteTo(Activity activity) =>
        (activity.Properties ??= [])[PropertyName] = JsonSerializer.SerializeToElement(this, ActivityJson.Options);

    /// <summary>
    /// The store's conversation id for a channel's conversation: <c>{channelId}:{id}</c>, so two channels' ids never
    /// collide; ids too long for the store (Teams' often are) become <c>{channelId}#{hash}</c>. Either way the
    /// channel's own id travels in the <see cref="BotFrameworkReference"/> of each stored activity.
    /// </summary>
    public static string StoreConversationId(string channelId, string conversationId)
    {
        var plain = $"{channelId}:{conversationId}";
        if (plain.Length <= MaxStoreIdLength && !conversationId.Contains('|'))
        {
            return plain;
        }
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(conversationId)))[..27].Replace('+', '-').Replace('/', '_');
        return $"{channelId}#{hash}";
    }

    /// <summary>The store's id column holds 64 characters.</summary>
    public const int MaxStoreIdLength = 64;
}
