using System.CommandLine;
using ChatAgent.Host.Hosting;

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
            await using var app = ChatAgentApp.Create([.. args]);
            await ChatAgentApp.PrepareAsync(app, ct);
            await app.RunAsync();
            return 0;
        });
        return command;
    }
}
