using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.AgentConsole.Tests;

/// <summary>An agent's browser as far as HTTP goes: a cookie jar, the antiforgery token, JSON calls.</summary>
internal sealed class ConsoleClient : IDisposable
{
    private readonly HttpClient _http;

    public ConsoleClient(ChatAgentTestHost host)
    {
        Cookies = new CookieContainer();
        _http = new HttpClient(new HttpClientHandler { CookieContainer = Cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(host.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public CookieContainer Cookies { get; }
    public HttpClient Http => _http;
    public string? AntiforgeryToken { get; private set; }

    public static async Task AddAccountAsync(ChatAgentTestHost host, string userName, string displayName, string password, AgentRole role = AgentRole.Agent) =>
        await host.Services.GetRequiredService<AgentAccounts>().AddAsync(userName, displayName, password, role, CancellationToken.None);

    /// <summary>The password of the accounts the tests create.</summary>
    public const string TestPassword = "correct horse battery";

    /// <summary>Creates an account and returns a client signed in to it.</summary>
    public static async Task<ConsoleClient> SignedInAsync(ChatAgentTestHost host, string userName, string displayName, AgentRole role = AgentRole.Agent)
    {
        await AddAccountAsync(host, userName, displayName, TestPassword, role);
        var agent = new ConsoleClient(host);
        await agent.SignInAsync(userName, TestPassword);
        return agent;
    }

    public async Task<JsonObject> RefreshSessionAsync()
    {
        var session = (await _http.GetFromJsonAsync<JsonObject>("/agent/api/session"))!;
        AntiforgeryToken = session["antiforgeryToken"]!.GetValue<string>();
        return session;
    }

    public async Task<HttpResponseMessage> TrySignInAsync(string userName, string password)
    {
        await RefreshSessionAsync();
        return await PostAsync("/agent/api/signin", new { userName, password });
    }

    public async Task SignInAsync(string userName, string password)
    {
        var response = await TrySignInAsync(userName, password);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The token is bound to the signed-in user: fetch the one for the new identity.
        await RefreshSessionAsync();
    }

    public Task<HttpResponseMessage> PostAsync(string path, object? body = null, bool withAntiforgery = true)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body ?? new { }) };
        if (withAntiforgery && AntiforgeryToken is not null)
        {
            request.Headers.Add(AgentConsoleExtensions.AntiforgeryHeader, AntiforgeryToken);
        }
        return _http.SendAsync(request);
    }

    public async Task<JsonNode> PostOkAsync(string path, object? body = null)
    {
        var response = await PostAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public async Task<JsonNode> GetOkAsync(string path)
    {
        var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public void Dispose() => _http.Dispose();
}
