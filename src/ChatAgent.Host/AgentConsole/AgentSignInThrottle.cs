using System.Net;
using System.Threading.RateLimiting;
using ChatAgent.Host.Channels.DirectLine;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.AgentConsole;

/// <summary>
/// Sign-in attempts per client address and per account name (<c>AgentConsole:SignInsPerMinutePerAddress</c>,
/// <c>AgentConsole:SignInsPerMinutePerAccount</c>), with the rate limiters of <c>System.Threading.RateLimiting</c>;
/// more get 429 with <c>Retry-After</c> before any password is checked. The lock-out still applies underneath.
/// </summary>
public sealed class AgentSignInThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _perAddress;
    private readonly PartitionedRateLimiter<string> _perAccount;

    public AgentSignInThrottle(IOptions<AgentConsoleOptions> options)
    {
        var o = options.Value;
        _perAddress = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => Bucket(o.SignInsPerMinutePerAddress)));
        _perAccount = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => Bucket(o.SignInsPerMinutePerAccount)));
    }

    /// <summary>Takes one attempt for this address and account name; returns the seconds to wait when refused, else null.</summary>
    public int? TryAcquire(IPAddress? address, string userName)
    {
        using var byAddress = _perAddress.AttemptAcquire(address?.ToString() ?? "unknown");
        if (!byAddress.IsAcquired)
        {
            return DirectLineExtensions.RetryAfterSeconds(byAddress);
        }
        using var byAccount = _perAccount.AttemptAcquire((userName ?? string.Empty).Trim().ToLowerInvariant());
        return byAccount.IsAcquired ? null : DirectLineExtensions.RetryAfterSeconds(byAccount);
    }

    private static TokenBucketRateLimiterOptions Bucket(int perMinute) => DirectLineExtensions.MessageRateLimit(perMinute);

    public void Dispose()
    {
        _perAddress.Dispose();
        _perAccount.Dispose();
    }
}
