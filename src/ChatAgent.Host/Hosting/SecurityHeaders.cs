using Microsoft.AspNetCore.HttpOverrides;

namespace ChatAgent.Host.Hosting;

/// <summary>
/// Headers every response gets (<c>X-Content-Type-Options</c>, <c>Referrer-Policy</c>, and on HTML pages a
/// <c>Content-Security-Policy</c> that fits the demo page and the widget: scripts, styles and connections to this
/// host only, images also from https and data URLs, no framing by other sites), and the reverse proxy handling.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The policy of pages that do not set their own (the agent console sets a stricter one).</summary>
    public const string PageContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

    /// <summary>Adds the headers just before each response starts (pages and endpoints may set their own first).</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, bool hsts) => app.Use((http, next) =>
    {
        http.Response.OnStarting(() =>
        {
            var headers = http.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            if (!headers.ContainsKey("Referrer-Policy"))
            {
                headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
            }
            if (http.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true)
            {
                if (!headers.ContainsKey(HeaderNamesCsp))
                {
                    headers.ContentSecurityPolicy = PageContentSecurityPolicy;
                }
                headers.XFrameOptions = headers.ContentSecurityPolicy.ToString().Contains("frame-ancestors 'none'", StringComparison.Ordinal) ? "DENY" : "SAMEORIGIN";
            }
            if (hsts && http.Request.IsHttps)
            {
                headers.StrictTransportSecurity = "max-age=31536000";
            }
            return Task.CompletedTask;
        });
        return next(http);
    });

    private const string HeaderNamesCsp = "Content-Security-Policy";

    /// <summary>
    /// Trusts <c>X-Forwarded-For/Proto/Host</c> only from the configured proxies (<c>Hosting:KnownProxies</c>,
    /// <c>Hosting:KnownNetworks</c>); with none configured the headers are ignored. The client's address then feeds the
    /// rate limits and the <c>/metrics</c> allow-list, and the scheme makes cookies <c>Secure</c> behind a TLS proxy.
    /// </summary>
    public static IApplicationBuilder UseConfiguredForwardedHeaders(this IApplicationBuilder app, HostingOptions options)
    {
        if (options.KnownProxies.Length == 0 && options.KnownNetworks.Length == 0)
        {
            return app;
        }
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            ForwardLimit = options.ForwardLimit,
        };
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        foreach (var proxy in options.KnownProxies)
        {
            // A value that does not parse is reported by the options validation at start-up.
            if (System.Net.IPAddress.TryParse(proxy, out var address))
            {
                forwarded.KnownProxies.Add(address);
            }
        }
        foreach (var network in options.KnownNetworks)
        {
            if (System.Net.IPNetwork.TryParse(network, out var parsed))
            {
                forwarded.KnownIPNetworks.Add(parsed);
            }
        }
        return app.UseForwardedHeaders(forwarded);
    }
}
