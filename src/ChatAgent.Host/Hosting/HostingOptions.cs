using System.ComponentModel.DataAnnotations;
using System.Net;

namespace ChatAgent.Host.Hosting;

/// <summary>The <c>Hosting</c> section of <c>appsettings.json</c>: request limits and the reverse proxy in front of the host.</summary>
public sealed class HostingOptions : IValidatableObject
{
    public const string Section = "Hosting";

    /// <summary>
    /// The largest request body of any endpoint that does not set its own limit (bytes). Endpoints with their own
    /// limit (Direct Line activities and uploads, console sign-in and API) are bounded by that instead.
    /// </summary>
    [Range(1024, 64 * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Addresses of reverse proxies whose <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> / <c>X-Forwarded-Host</c>
    /// headers are trusted (e.g. <c>10.0.0.5</c>). Empty (and no <see cref="KnownNetworks"/>): forwarded headers are ignored.
    /// </summary>
    public string[] KnownProxies { get; set; } = [];

    /// <summary>Networks (CIDR, e.g. <c>10.0.0.0/8</c>) whose proxies' forwarded headers are trusted.</summary>
    public string[] KnownNetworks { get; set; } = [];

    /// <summary>How many proxies in a row are trusted (entries of <c>X-Forwarded-For</c> read from the right).</summary>
    [Range(1, 10)]
    public int ForwardLimit { get; set; } = 1;

    /// <summary>Adds <c>Strict-Transport-Security</c> to responses served over HTTPS (as the client saw it).</summary>
    public bool Hsts { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var proxy in KnownProxies)
        {
            if (!IPAddress.TryParse(proxy, out _))
            {
                yield return new ValidationResult($"{Section}:{nameof(KnownProxies)} has '{proxy}', which is not an IP address.", [nameof(KnownProxies)]);
            }
        }
        foreach (var network in KnownNetworks)
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                yield return new ValidationResult($"{Section}:{nameof(KnownNetworks)} has '{network}', which is not a network in CIDR form (e.g. 10.0.0.0/8).", [nameof(KnownNetworks)]);
            }
        }
    }
}
