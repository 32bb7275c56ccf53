using System.ComponentModel.DataAnnotations;

namespace ChatAgent.Host.Channels.DirectLine;

/// <summary>The <c>DirectLine</c> section of <c>appsettings.json</c>.</summary>
public sealed class DirectLineOptions : IValidatableObject
{
    public const string Section = "DirectLine";

    /// <summary>
    /// The secret a shop's backend uses to call <c>tokens/generate</c> (and that signs tokens). Empty: a random
    /// secret is generated once and kept in <c>data/directline-secret</c>, so tokens survive restarts.
    /// </summary>
    public string Secret { get; set; } = string.Empty;

    /// <summary>How long a token is valid; clients refresh it before then.</summary>
    [Range(1, 24 * 60)]
    public int TokenLifetimeMinutes { get; set; } = 60;

    /// <summary>The longest message text accepted (characters); longer ones get 413 MessageSizeTooBig.</summary>
    [Range(1, 1_000_000)]
    public int MaxMessageLength { get; set; } = 4000;

    /// <summary>The largest activity request body accepted (bytes).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 256 * 1024;

    /// <summary>The largest file accepted by <c>upload</c> (bytes); kept inline in the transcript.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxUploadBytes { get; set; } = 1024 * 1024;

    /// <summary>Activities one conversation may post per minute; more get 429 with Retry-After.</summary>
    [Range(1, 1_000_000)]
    public int MessagesPerMinute { get; set; } = 60;

    /// <summary>Seconds between keep-alive frames on the WebSocket stream.</summary>
    [Range(1, 300)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>Seconds between store reads on an idle stream, catching activities written by another host.</summary>
    [Range(1, 300)]
    public int StreamCatchUpSeconds { get; set; } = 5;

    /// <summary>WebSocket streams one token (or the secret) may hold open at once; one more gets 429 TooManyStreams.</summary>
    [Range(1, 10_000)]
    public int MaxStreamsPerToken { get; set; } = 8;

    /// <summary>Origins (shop sites) whose pages may call Direct Line and the token endpoint from the browser; <c>*</c> allows any.</summary>
    public string[] AllowedOrigins { get; set; } = ["*"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Secret.Length is > 0 and < 16)
        {
            yield return new ValidationResult("DirectLine:Secret must be at least 16 characters (or empty for one generated once under the data folder).", [nameof(Secret)]);
        }
    }
}
