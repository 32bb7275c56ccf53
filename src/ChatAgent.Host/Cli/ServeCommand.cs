using System.CommandLine;
using ChatAgent.Host.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.Cli;

/// <summary><c>chatagent serve [--urls URLS]</c>: runs the web host (the default verb).</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on, e.g. http://0.0.0.0:8080 (default from appsettings.json: http://localhost:5000)." };
        var command = new Command("serve", "Run the chat host: widget, Direct Line, agent console, health and metrics.")
        {
            urls,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, ct) =>
        {
            // Unknown "--Section:Key=value" tokens pass through as configuration overrides.
            var args = parse.UnmatchedTokens.ToList();
            if (parse.GetValue(urls) is { } value)
            {
                args.Add($"--urls={value}");
            }
            try
            {
                await using var app = ChatAgentApp.Create([.. args]);
                // The options validated at start-up, checked here first so a mistake is reported once, by us, and
                // not also logged with a stack trace by the host that failed to start.
                app.Services.GetService<IStartupValidator>()?.Validate();
                await ChatAgentApp.PrepareAsync(app, ct);
                await app.StartAsync(ct);
                Console.Out.Write(StartupBanner(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? []));
                await app.WaitForShutdownAsync(CancellationToken.None);
                return 0;
            }
            catch (Exception e) when (ConfigurationError(e) is { } message)
            {
                // One line naming the key, never a stack trace: the fix is in appsettings.json or the command line.
                await Console.Error.WriteLineAsync($"Configuration error: {message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>What to open and what to do next, printed once the host listens.</summary>
    public static string StartupBanner(IEnumerable<string> addresses)
    {
        var address = addresses.Select(a => a.Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).Replace("://[::]", "://localhost", StringComparison.Ordinal))
            .FirstOrDefault() ?? "http://localhost:5000";
        address = address.TrimEnd('/');
        return $"""

            ChatAgent is running.
              Shop with the chat widget   {address}/
              Agent console               {address}/agent
              Health                      {address}/health
            Next step: make an agent account (in another terminal), then sign in to the console:
              dotnet run --project src/ChatAgent.Host -- agents add alice --display-name "Alice" --admin --password-stdin
            Press Ctrl+C to stop.

            """;
    }

    /// <summary>The one-line message for a configuration mistake, or null when <paramref name="error"/> is something else.</summary>
    public static string? ConfigurationError(Exception error) => error switch
    {
        OptionsValidationException options => string.Join("; ", options.Failures),
        AggregateException aggregate when aggregate.InnerExceptions.All(e => ConfigurationError(e) is not null) =>
            string.Join("; ", aggregate.InnerExceptions.Select(e => ConfigurationError(e))),
        // The binder's own words name the key: "Failed to convert configuration value '...' at 'Section:Key' to type ...".
        InvalidOperationException invalid when invalid.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) =>
            invalid.Message,
        _ => null,
    };
}
