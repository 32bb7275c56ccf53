using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using ChatAgent.Host.AgentConsole;
using ChatAgent.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.AgentConsole.Tests;

public sealed class ConsoleSecurityTests(HostFixture fixture) : IClassFixture<HostFixture>
{
    private ChatAgentTestHost Host => fixture.Host;
    private const string Password = ConsoleClient.TestPassword;

    [Theory]
    [InlineData("GET", "/agent/api/queue")]
    [InlineData("GET", "/agent/api/agents")]
    [InlineData("GET", "/agent/api/conversations/any")]
    [InlineData("GET", "/agent/api/events")]
    [InlineData("GET", "/agent/api/audit")]
    [InlineData("GET", "/agent/api/metrics")]
    [InlineData("GET", "/agent/api/history")]
    [InlineData("GET", "/agent/api/conversations/any/customer")]
    [InlineData("GET", "/agent/api/conversations/any/export")]
    [InlineData("POST", "/agent/api/conversations/any/resolve")]
    [InlineData("POST", "/agent/api/conversations/any/claim")]
    [InlineData("POST", "/agent/api/conversations/any/reply")]
    [InlineData("POST", "/agent/api/conversations/any/handback")]
    [InlineData("POST", "/agent/api/signout")]
    public async Task Anonymous_callers_get_401_json_from_every_console_api(string method, string path)
    {
        var response = await Host.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? JsonContent.Create(new { text = "x" }) : null });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal("Unauthorized", body!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Signed_out_visitors_get_the_sign_in_page_and_never_the_console_shell()
    {
        var page = await Host.Http.GetStringAsync("/agent");
        Assert.Contains("signin.js", page);
        Assert.DoesNotContain("console.js", page);

        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri(Host.BaseUrl) };
        var direct = await noRedirect.GetAsync("/agent/console.html");
        Assert.Equal(HttpStatusCode.Redirect, direct.StatusCode);
        Assert.Equal("/agent", direct.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task The_metrics_page_is_for_admins_only_and_the_history_page_for_every_agent()
    {
        await ConsoleClient.AddAccountAsync(Host, "pages-agent", "Pages Agent", Password);
        await ConsoleClient.AddAccountAsync(Host, "pages-admin", "Pages Admin", Password, AgentRole.Admin);
        using var agent = new ConsoleClient(Host);
        await agent.SignInAsync("pages-agent", Password);
        using var admin = new ConsoleClient(Host);
        await admin.SignInAsync("pages-admin", Password);

        foreach (var path in new[] { "/agent/metrics", "/agent/history" })
        {
            var anonymous = await Host.Http.GetStringAsync(path);
            Assert.Contains("signin.js", anonymous);
            Assert.DoesNotContain("metrics.js", anonymous);
            Assert.DoesNotContain("history.js", anonymous);
        }

        var refused = await agent.Http.GetAsync("/agent/metrics");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.DoesNotContain("metrics.js", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.Http.GetAsync("/agent/api/metrics")).StatusCode);
        Assert.Contains("metrics.js", await admin.Http.GetStringAsync("/agent/metrics"));
        Assert.Contains("history.js", await agent.Http.GetStringAsync("/agent/history"));
    }

    [Fact]
    public async Task A_signed_in_agent_gets_the_console_page()
    {
        await ConsoleClient.AddAccountAsync(Host, "page-agent", "Page Agent", Password);
        using var agent = new ConsoleClient(Host);
        await agent.SignInAsync("page-agent", Password);

        var page = await agent.Http.GetStringAsync("/agent");

        Assert.Contains("console.js", page);
    }

    [Fact]
    public async Task A_customers_direct_line_token_or_the_secret_cannot_reach_agent_apis()
    {
        using var customer = await Customer.StartAsync(Host);
        await customer.SendAsync("hello");
        await Customer.EscalateAsync(Host, customer.ConversationId);

        foreach (var credential in new[] { customer.Token, Host.Secret })
        {
            using var client = Host.ClientWith(credential);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/agent/api/queue")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync($"/agent/api/conversations/{customer.ConversationId}")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync($"/agent/api/conversations/{customer.ConversationId}/claim", new { })).StatusCode);
        }
    }

    [Fact]
    public async Task Agents_who_are_not_admins_are_refused_admin_apis()
    {
        await ConsoleClient.AddAccountAsync(Host, "plain-agent", "Plain Agent", Password);
        await ConsoleClient.AddAccountAsync(Host, "the-admin", "The Admin", Password, AgentRole.Admin);
        using var agent = new ConsoleClient(Host);
        await agent.SignInAsync("plain-agent", Password);
        using var admin = new ConsoleClient(Host);
        await admin.SignInAsync("the-admin", Password);

        Assert.Equal(HttpStatusCode.Forbidden, (await agent.Http.GetAsync("/agent/api/audit")).StatusCode);
        var audit = (await admin.GetOkAsync("/agent/api/audit")).AsArray();
        Assert.Contains(audit, e => e!["actor"]!.GetValue<string>() == "plain-agent" && e["action"]!.GetValue<string>() == "signed_in");
    }

    [Fact]
    public async Task State_changing_requests_without_the_antiforgery_token_are_refused()
    {
        await ConsoleClient.AddAccountAsync(Host, "csrf-agent", "Csrf Agent", Password);
        using var customer = await Customer.StartAsync(Host);
        await customer.SendAsync("I need a person");
        await Customer.EscalateAsync(Host, customer.ConversationId);

        // Sign-in itself needs the token (no login CSRF).
        using var agent = new ConsoleClient(Host);
        var noTokenSignIn = await agent.PostAsync("/agent/api/signin", new { userName = "csrf-agent", password = Password }, withAntiforgery: false);
        Assert.Equal(HttpStatusCode.BadRequest, noTokenSignIn.StatusCode);
        Assert.Equal("AntiforgeryFailed", (await noTokenSignIn.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());

        await agent.SignInAsync("csrf-agent", Password);
        var claimPath = $"/agent/api/conversations/{customer.ConversationId}/claim";
        var noToken = await agent.PostAsync(claimPath, withAntiforgery: false);
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Equal("AntiforgeryFailed", (await noToken.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());

        var forged = new HttpRequestMessage(HttpMethod.Post, claimPath) { Content = JsonContent.Create(new { }) };
        forged.Headers.Add(AgentConsoleExtensions.AntiforgeryHeader, "forged-token");
        Assert.Equal(HttpStatusCode.BadRequest, (await agent.Http.SendAsync(forged)).StatusCode);

        var noTokenSignOut = await agent.PostAsync("/agent/api/signout", withAntiforgery: false);
        Assert.Equal(HttpStatusCode.BadRequest, noTokenSignOut.StatusCode);

        // The same request with the token goes through, so the refusals above were about the token.
        await agent.PostOkAsync(claimPath);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_even_against_the_right_one()
    {
        await ConsoleClient.AddAccountAsync(Host, "lock-me", "Lock Me", Password);
        using var agent = new ConsoleClient(Host);
        for (var i = 1; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await agent.TrySignInAsync("lock-me", "wrong password " + i)).StatusCode);
        }
        var fifth = await agent.TrySignInAsync("lock-me", "wrong password 5");
        Assert.Equal(HttpStatusCode.Locked, fifth.StatusCode);

        var right = await agent.TrySignInAsync("lock-me", Password);
        Assert.Equal(HttpStatusCode.Locked, right.StatusCode);
        Assert.Equal("LockedOut", (await right.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);
    }

    [Fact]
    public async Task Signing_out_ends_the_session()
    {
        await ConsoleClient.AddAccountAsync(Host, "leaver", "Leaver", Password);
        using var agent = new ConsoleClient(Host);
        await agent.SignInAsync("leaver", Password);
        Assert.Equal(HttpStatusCode.OK, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await agent.PostAsync("/agent/api/signout")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);
    }

    [Fact]
    public async Task Passwords_are_stored_hashed_and_an_unknown_user_is_told_nothing_more()
    {
        await ConsoleClient.AddAccountAsync(Host, "hashed", "Hashed", Password);
        using var agent = new ConsoleClient(Host);
        var unknown = await agent.TrySignInAsync("nobody-here", Password);
        var wrong = await agent.TrySignInAsync("hashed", "not the password");

        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(await wrong.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());
        await using var db = await Host.Services.GetRequiredService<IDbContextFactory<AgentConsoleDbContext>>().CreateDbContextAsync();
        var stored = await db.Accounts.Where(a => a.UserName == "hashed").Select(a => a.PasswordHash).SingleAsync();
        Assert.DoesNotContain(Password, stored);
        Assert.StartsWith("AQAAAA", stored); // ASP.NET Core Identity's v3 format (PBKDF2, salted)
    }

    [Fact]
    public async Task A_sign_in_with_an_absurd_user_name_is_a_plain_refusal()
    {
        using var agent = new ConsoleClient(Host);
        var response = await agent.TrySignInAsync(new string('x', 5000) + "<script>", Password);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("InvalidCredentials", (await response.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
    }
}
