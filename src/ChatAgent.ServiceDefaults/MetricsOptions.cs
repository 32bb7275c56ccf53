using System.ComponentModel.DataAnnotations;
using System.Net;

namespace ChatAgent.ServiceDefaults;

/// <summary>
/// The <c>Metrics</c> section of <c>appsettings.json</c>: who may scrape <c>GET /metrics</c>. With neither set, nobody
/// can (the endpoint answers 403): metrics name agents and reveal load, so they are never public by default.
/// </summary>
public sealed class MetricsOptions : IValidatableObject
{
    public const string Section = "Metrics";

    /// <summary>Client networks (CIDR, e.g. <c>10.0.0.0/8</c> or <c>127.0.0.1/32</c>) that may scrape without a token.</summary>
    public string[] AllowedNetworks { get; set; } = [];

    /// <summary>A bearer token (at least 16 characters) a scraper sends as <c>Authorization: Bearer ...</c>, from any address.</summary>
    public string BearerToken { get; set; } = string.Empty;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var network in AllowedNetworks)
        {
            if (!System.Net.IPNetwork.TryParse(network, out _))
            {
                yield return new ValidationResult($"{Section}:{nameof(AllowedNetworks)} has '{network}', which is not a network in CIDR form (e.g. 10.0.0.0/8).", [nameof(AllowedNetworks)]);
            }
        }
        if (BearerToken.Length is > 0 and < 16)
        {
            yield return new ValidationResult($"{Section}:{nameof(BearerToken)} must be at least 16 characters (or empty).", [nameof(BearerToken)]);
        }
    }

    /// <summary>Whether a caller from <paramref name="address"/> presenting <paramref name="authorization"/> may scrape.</summary>
    public bool Allows(IPAddress? address, string? authorization)
    {
        if (BearerToken.Length > 0 && authorization is { } header && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()), System.Text.Encoding.UTF8.GetBytes(BearerToken)))
        {
            return true;
        }
        if (address is null)
        {
            return false;
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return AllowedNetworks.Any(n => System.Net.IPNetwork.TryParse(n, out var network) && network.Contains(address));
    }
}
