using System.Threading.RateLimiting;
using ChatAgent.Host.Channels.DirectLine;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>
/// The per-conversation budget on <c>/api/messages</c>: Direct Line's (<c>DirectLine:MessagesPerMinute</c>, same
/// bucket shape). Not the ASP.NET Core rate-limiting middleware as on Direct Line, because the conversation id is in
/// the body here, which the middleware cannot read; the endpoint asks this limiter once it has parsed the activity.
/// </summary>
public sealed class BotFrameworkRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public BotFrameworkRateLimiter(IOptions<DirectLineOptions> options)
    {
        var perMinute = options.Value.MessagesPerMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(conversationId =>
            RateLimitPartition.GetTokenBucketLimiter(conversationId, _ => DirectLineExtensions.MessageRateLimit(perMinute)));
    }

    /// <summary>Takes one activity's worth of the conversation's budget; a lease that is not acquired means 429.</summary>
    public RateLimitLease Acquire(string conversationId) => _limiter.AttemptAcquire(conversationId);

    public void Dispose() => _limiter.Dispose();
}
