using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace ChatAgent.ServiceDefaults;

/// <summary>What every ChatAgent host has: OpenTelemetry metrics and traces, health checks, <c>/health</c> and <c>/metrics</c>.</summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>The meter and activity source name for ChatAgent's own instruments.</summary>
    public const string TelemetryName = "ChatAgent";

    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryName)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource(TelemetryName));
        builder.Services.AddHealthChecks();
        builder.Services.AddOptions<MetricsOptions>().Bind(builder.Configuration.GetSection(MetricsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        return builder;
    }

    /// <summary>
    /// <c>GET /health</c>: JSON with the overall <c>status</c> and each check's state (database, model, ...);
    /// 200 when healthy or degraded, 503 when unhealthy. <c>GET /metrics</c>: Prometheus text, only for the networks
    /// or the bearer token of the <c>Metrics</c> section (403 for everyone else).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/health", new HealthCheckOptions
        {
            ResponseWriter = WriteHealthAsync,
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.Use((http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<MetricsEndpoint>() is null
                || http.RequestServices.GetRequiredService<IOptions<MetricsOptions>>().Value.Allows(http.Connection.RemoteIpAddress, http.Request.Headers.Authorization))
            {
                return next(http);
            }
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            http.Response.ContentType = "text/plain; charset=utf-8";
            return http.Response.WriteAsync("Metrics are not exposed to this client: see Metrics:AllowedNetworks and Metrics:BearerToken.\n");
        });
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(new MetricsEndpoint());
        return app;
    }

    private static Task WriteHealthAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        var body = new Dictionary<string, object?>
        {
            ["status"] = report.Status.ToString(),
            ["durationMs"] = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            ["checks"] = report.Entries.ToDictionary(
                e => e.Key,
                e => new Dictionary<string, object?>
                {
                    ["status"] = e.Value.Status.ToString(),
                    ["description"] = e.Value.Description ?? e.Value.Exception?.Message,
                    ["data"] = e.Value.Data.Count > 0 ? e.Value.Data : null,
                }),
        };
        return JsonSerializer.SerializeAsync(http.Response.Body, body, HealthJson);
    }

    /// <summary>Marks the Prometheus endpoint for the access check.</summary>
    private sealed class MetricsEndpoint;

    private static readonly JsonSerializerOptions HealthJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
