using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.AgentConsole.Tests;

/// <summary>Server-side sessions, the atomic lock-out, sign-in throttling and bounded sign-in bodies, through the real host.</summary>
public sealed class ConsoleSessionTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private ChatAgentTestHost Host => fixture.Host;
    private AgentAccounts Accounts => Host.Services.GetRequiredService<AgentAccounts>();

    /// <summary>Another browser holding a copy of <paramref name="agent"/>'s cookies (a stolen or second session).</summary>
    private ConsoleClient CopyOf(ConsoleClient agent)
    {
        var copy = new ConsoleClient(Host);
        copy.Cookies.Add(agent.Cookies.GetAllCookies());
        return copy;
    }

    [Fact]
    public async Task Signing_out_ends_every_copy_of_the_session_on_the_server()
    {
        using var agent = await ConsoleClient.SignedInAsync(Host, "sess-out", "Sess Out");
        using var copy = CopyOf(agent);
        Assert.Equal(HttpStatusCode.OK, (await copy.Http.GetAsync("/agent/api/queue")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await agent.PostAsync("/agent/api/signout")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.Http.GetAsync("/agent/api/queue")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await copy.Http.GetAsync("/agent/api/history")).StatusCode);
        // Signing in again works and gives a working session.
        await agent.SignInAsync("sess-out", ConsoleClient.TestPassword);
        Assert.Equal(HttpStatusCode.OK, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);
    }

    [Fact]
    public async Task Removing_an_account_ends_its_sessions_at_once()
    {
        using var agent = await ConsoleClient.SignedInAsync(Host, "sess-removed", "Sess Removed");
        Assert.Equal(HttpStatusCode.OK, (await agent.Http.GetAsync("/agent/api/history")).StatusCode);

        Assert.True(await Accounts.RemoveAsync("sess-removed", CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Http.GetAsync("/agent/api/history")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);
        // Re-creating an account of the same name does not revive the old cookie.
        await ConsoleClient.AddAccountAsync(Host, "sess-removed", "Sess Removed", ConsoleClient.TestPassword);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);
    }

    [Fact]
    public async Task A_demoted_admin_loses_admin_pages_and_the_session_at_once()
    {
        using var admin = await ConsoleClient.SignedInAsync(Host, "sess-admin", "Sess Admin", AgentRole.Admin);
        Assert.Equal(HttpStatusCode.OK, (await admin.Http.GetAsync("/agent/api/audit")).StatusCode);

        Assert.True(await Accounts.SetRoleAsync("sess-admin", AgentRole.Agent, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.Http.GetAsync("/agent/api/audit")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.Http.GetAsync("/agent/api/metrics")).StatusCode);
        // Signed in again, the role is the stored one.
        await admin.SignInAsync("sess-admin", ConsoleClient.TestPassword);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.Http.GetAsync("/agent/api/audit")).StatusCode);
        Assert.Equal("Agent", (await admin.RefreshSessionAsync())["agent"]!["role"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_password_change_ends_existing_sessions_and_the_new_password_works()
    {
        using var agent = await ConsoleClient.SignedInAsync(Host, "sess-pw", "Sess Pw");
        Assert.True(await Accounts.SetPasswordAsync("sess-pw", "a brand new password", CancellationToken.None));

        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.TrySignInAsync("sess-pw", ConsoleClient.TestPassword)).StatusCode);
        await agent.SignInAsync("sess-pw", "a brand new password");
        Assert.Equal(HttpStatusCode.OK, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);
    }

    [Fact]
    public async Task A_huge_sign_in_body_is_refused_with_413_whether_sized_or_chunked()
    {
        using var agent = new ConsoleClient(Host);
        await agent.RefreshSessionAsync();
        var huge = "{\"userName\":\"x\",\"password\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";

        using var sized = new HttpRequestMessage(HttpMethod.Post, "/agent/api/signin") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        sized.Headers.Add(AgentConsoleExtensions.AntiforgeryHeader, agent.AntiforgeryToken);
        // The server refuses on the declared size without reading; with 100-continue the client waits for that answer
        // instead of writing 2 MB into a connection the server has already answered and closed (a broken pipe).
        sized.Headers.ExpectContinue = true;
        var sizedResponse = await agent.Http.SendAsync(sized);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, sizedResponse.StatusCode);

        var chunked = await RawChunkedRequest.PostAsync(Host.BaseUrl, "/agent/api/signin", Encoding.UTF8.GetBytes(huge), "application/json",
            new Dictionary<string, string> { [AgentConsoleExtensions.AntiforgeryHeader] = agent.AntiforgeryToken!, ["Cookie"] = agent.Cookies.GetCookieHeader(new Uri(Host.BaseUrl + "/agent/api/signin")) });
        Assert.Equal(413, chunked.Status);
        Assert.Contains("MessageSizeTooBig", chunked.Body);
    }

    [Fact]
    public async Task Sixty_parallel_wrong_passwords_get_no_more_tries_than_the_limit()
    {
        await using var host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["AgentConsole:MaxFailedSignIns"] = "5",
            ["AgentConsole:SignInsPerMinutePerAddress"] = "1000",
            ["AgentConsole:SignInsPerMinutePerAccount"] = "1000",
        });
        await ConsoleClient.AddAccountAsync(host, "parallel", "Parallel", ConsoleClient.TestPassword);
        var clients = Enumerable.Range(0, 60).Select(_ => new ConsoleClient(host)).ToList();
        try
        {
            foreach (var client in clients)
            {
                await client.RefreshSessionAsync();
            }
            var responses = await Task.WhenAll(clients.Select((c, i) => c.PostAsync("/agent/api/signin", new { userName = "parallel", password = "wrong " + i })));

            var wrong = responses.Count(r => r.StatusCode == HttpStatusCode.Unauthorized);
            var locked = responses.Count(r => r.StatusCode == HttpStatusCode.Locked);
            Assert.Equal(60, wrong + locked);
            Assert.True(wrong < 5, $"{wrong} wrong-password answers before the lock (limit 5)");
            Assert.Equal(HttpStatusCode.Locked, (await clients[0].TrySignInAsync("parallel", ConsoleClient.TestPassword)).StatusCode);
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }
    }

    [Fact]
    public async Task Sign_ins_are_throttled_per_address_and_per_account_with_retry_after()
    {
        await using var host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["AgentConsole:MaxFailedSignIns"] = "100",
            ["AgentConsole:SignInsPerMinutePerAddress"] = "6",
            ["AgentConsole:SignInsPerMinutePerAccount"] = "3",
        });
        await ConsoleClient.AddAccountAsync(host, "throttled", "Throttled", ConsoleClient.TestPassword);
        using var client = new ConsoleClient(host);

        var perAccount = new List<HttpStatusCode>();
        for (var i = 0; i < 4; i++)
        {
            perAccount.Add((await client.TrySignInAsync("throttled", "wrong " + i)).StatusCode);
        }
        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], perAccount);

        // Other names from the same address: the address budget (6) runs out too.
        var refused = await client.TrySignInAsync("someone-else", "x");
        for (var i = 0; refused.StatusCode != HttpStatusCode.TooManyRequests && i < 5; i++)
        {
            refused = await client.TrySignInAsync($"someone-{i}", "x");
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.RetryAfter!.ToString()) >= 1);
        Assert.Equal("TooManyRequests", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
    }
}
