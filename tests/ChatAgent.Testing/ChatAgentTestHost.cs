using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Host.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Testing;

/// <summary>
/// The real host, in this process, on Kestrel at http://127.0.0.1:&lt;free port&gt;, with its own data folder and a
/// known Direct Line secret. Everything goes through real HTTP and WebSockets.
/// </summary>
public sealed class ChatAgentTestHost : IAsyncDisposable
{
    public const string TestSecret = "test-secret-0123456789-abcdefghij";
    private readonly WebApplication _app;

    private ChatAgentTestHost(WebApplication app, string baseUrl, string dataDirectory)
    {
        _app = app;
        BaseUrl = baseUrl;
        DataDirectory = dataDirectory;
        Http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public string BaseUrl { get; }
    public string Secret => TestSecret;
    public string DataDirectory { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>A client for the host with no credentials.</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// Starts the host. <paramref name="settings"/> override configuration keys (e.g. <c>DirectLine:MaxMessageLength</c>);
    /// <paramref name="services"/> may replace services (e.g. the bot).
    /// </summary>
    public static async Task<ChatAgentTestHost> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("chatagent-test-").FullName;
        var values = new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["DirectLine:Secret"] = TestSecret,
            ["ConnectionStrings:ChatAgent"] = $"Data Source={Path.Combine(dataDirectory, "chatagent.db")}",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Hosting:DataDirectory"] = dataDirectory,
            // The demo shop is generated on a fresh database; tests that need it set Shop:SeedDemoData=true.
            ["Shop:SeedDemoData"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var app = ChatAgentApp.Create([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            services?.Invoke(builder.Services);
        });
        await ChatAgentApp.PrepareAsync(app, CancellationToken.None);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ChatAgentTestHost(app, address.TrimEnd('/'), dataDirectory);
    }

    /// <summary>A client that sends <c>Authorization: Bearer {credential}</c>.</summary>
    public HttpClient ClientWith(string credential)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }

    /// <summary>
    /// Starts a Direct Line conversation as a shop's page does: a token from the secret (bound to <paramref name="userId"/>
    /// when given), then the conversation; the returned client sends that conversation's token.
    /// </summary>
    public async Task<DirectLineSession> StartDirectLineAsync(string? userId = null)
    {
        using var secret = ClientWith(Secret);
        using var generate = await secret.PostAsJsonAsync("/v3/directline/tokens/generate", userId is null ? new { } : (object)new { user = new { id = userId } });
        generate.EnsureSuccessStatusCode();
        var token = (await generate.Content.ReadFromJsonAsync<JsonObject>())!["token"]!.GetValue<string>();
        var http = ClientWith(token);
        using var start = await http.PostAsync("/v3/directline/conversations", null);
        if (start.StatusCode != HttpStatusCode.Created)
        {
            http.Dispose();
            throw new InvalidOperationException($"Starting a conversation answered {(int)start.StatusCode}: {await start.Content.ReadAsStringAsync()}");
        }
        var body = (await start.Content.ReadFromJsonAsync<JsonObject>())!;
        return new DirectLineSession(http, body["conversationId"]!.GetValue<string>(), body["token"]!.GetValue<string>(), body["streamUrl"]!.GetValue<string>());
    }

    /// <summary>Stops the host as a shutdown does (services stay readable until <see cref="DisposeAsync"/>).</summary>
    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open on this platform: the temp folder is cleaned by the OS later.
        }
    }
}

/// <summary>A started Direct Line conversation: a client carrying its token, its id and its WebSocket address.</summary>
public sealed record DirectLineSession(HttpClient Http, string ConversationId, string Token, string StreamUrl);
