using ChatAgent.Conversations.Service;
using ChatAgent.Conversations.Store;
using ChatAgent.Conversations.Activities;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Host.Channels.BotFramework;
using ChatAgent.Host.Channels.DirectLine;
using ChatAgent.Host.DemoShop;
using ChatAgent.Llm;
using ChatAgent.Orchestration;
using ChatAgent.Shop;
using ChatAgent.ServiceDefaults;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.FileProviders;

namespace ChatAgent.Host.Hosting;

/// <summary>Builds the web host: the wiring lives here so <c>Program.cs</c> stays a few lines and tests can start the real thing.</summary>
public static class ChatAgentApp
{
    /// <summary>Creates the configured application (not yet started). <paramref name="configure"/> lets tests override settings.</summary>
    public static WebApplication Create(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var contentRoot = ContentRoot.Resolve();
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = contentRoot,
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        configure?.Invoke(builder);

        builder.AddServiceDefaults();
        // Ctrl+C: running turns get Conversations:ShutdownDrainSeconds (the scheduler's own drain); open streams
        // and other stragglers do not hold the host past that plus a little (it waited the default 30 s).
        var drainSeconds = builder.Configuration.GetValue("Conversations:ShutdownDrainSeconds", 10);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(Math.Clamp(drainSeconds, 0, 3600) + 3));
        builder.Services.AddApplicationServices(builder.Configuration, builder.Environment.ContentRootPath);
        var hosting = builder.Configuration.GetSection(HostingOptions.Section).Get<HostingOptions>() ?? new HostingOptions();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = hosting.MaxRequestBodyBytes);

        var app = builder.Build();
        app.UseConfiguredForwardedHeaders(hosting);
        app.UseExceptionHandler(errors => errors.Run(WriteUnhandledErrorAsync));
        app.UseSecurityHeaders(hosting.Hsts);
        app.UseRequestBodyLimits(hosting.MaxRequestBodyBytes);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(30) });
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.UseCors();
        app.UseRateLimiter();
        app.MapDefaultEndpoints();
        app.MapDirectLine();
        app.MapBotFrameworkChannel();
        app.MapDemoShop();
        app.MapDemoStorefront();
        app.MapAgentConsole();
        return app;
    }

    /// <summary>Creates or migrates the database before the host accepts requests.</summary>
    public static async Task PrepareAsync(WebApplication app, CancellationToken ct)
    {
        var database = app.Configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        if (database.MigrateOnStart)
        {
            await ConversationStoreMigrator.MigrateAsync(app.Services.GetRequiredService<IDbContextFactory<ConversationDbContext>>(), ct);
            await app.Services.MigrateAgentConsoleAsync(ct);
        }
    }

    private static IServiceCollection AddApplicationServices(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        var data = DataFolder.FromConfiguration(configuration, contentRoot);
        services.AddSingleton(data);
        // Sign-in cookies and other protected payloads stay readable after a restart.
        services.AddDataProtection().SetApplicationName("ChatAgent").PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(data.Path, "keys")));
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HostingOptions>().Bind(configuration.GetSection(HostingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.ConfigureHttpJsonOptions(o => ActivityJson.Configure(o.SerializerOptions));
        services.AddConversations(configuration, contentRoot);
        services.AddChatModel(configuration);
        services.AddShop(configuration, contentRoot);
        services.AddCatalog(configuration, contentRoot);
        services.AddOrchestrator(configuration, contentRoot);
        services.AddDirectLine(configuration);
        services.AddBotFrameworkChannel(configuration);
        services.AddDemoShop();
        services.AddAgentConsole(configuration, contentRoot);
        return services;
    }

    /// <summary>Never a stack trace to a client: the error shape Direct Line clients understand, and the trace id to find it in the log.</summary>
    private static async Task WriteUnhandledErrorAsync(HttpContext http)
    {
        var error = http.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, code, message) = error switch
        {
            BadHttpRequestException bad => (bad.StatusCode, bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "MessageSizeTooBig" : "BadArgument", bad.Message),
            ConversationNotFoundException notFound => (StatusCodes.Status404NotFound, "NotFound", notFound.Message),
            ActivityRejectedException rejected => (rejected.Status, rejected.Code, rejected.Message),
            _ => (StatusCodes.Status500InternalServerError, "ServiceError", $"An internal error occurred (trace id {System.Diagnostics.Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier})."),
        };
        http.Response.StatusCode = status;
        await http.Response.WriteAsJsonAsync(new DirectLineError(new DirectLineErrorDetail(code, message)));
    }
}
