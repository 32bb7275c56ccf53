using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using ChatAgent.Host.Channels.DirectLine;
using ChatAgent.Testing;

namespace ChatAgent.Host.Tests;

/// <summary>
/// With no <c>DirectLine:Secret</c> configured the host generates one once under its data folder: a restart keeps
/// the customers' tokens (and so their conversations) valid, and DataProtection keys are kept there too.
/// </summary>
public sealed class GeneratedSecretTests
{
    [Fact]
    public async Task A_restart_without_a_configured_secret_keeps_the_customers_token_and_conversation()
    {
        var data = Directory.CreateTempSubdirectory("chatagent-secret-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["DirectLine:Secret"] = "",
            ["Hosting:DataDirectory"] = data,
            ["ConnectionStrings:ChatAgent"] = $"Data Source={Path.Combine(data, "chatagent.db")}",
            ["Orchestrator:Enabled"] = "false",
        };

        string token;
        string conversationId;
        await using (var first = await ChatAgentTestHost.StartAsync(settings))
        {
            var grant = JsonNode.Parse(await (await first.Http.PostAsync("/demo/token", null)).Content.ReadAsStringAsync())!;
            token = grant["token"]!.GetValue<string>();
            using var start = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/conversations");
            start.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var started = await first.Http.SendAsync(start);
            Assert.True(started.IsSuccessStatusCode, await started.Content.ReadAsStringAsync());
            conversationId = JsonNode.Parse(await started.Content.ReadAsStringAsync())!["conversationId"]!.GetValue<string>();
        }

        var secretFile = Path.Combine(data, DirectLineTokens.GeneratedSecretFile);
        Assert.True(File.Exists(secretFile));
        var secret = await File.ReadAllTextAsync(secretFile);
        Assert.True(secret.Trim().Length >= 32);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secretFile));
        }
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(data, "keys"), "*.xml"));

        await using var second = await ChatAgentTestHost.StartAsync(settings);
        using var resume = new HttpRequestMessage(HttpMethod.Get, $"/v3/directline/conversations/{conversationId}");
        resume.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var resumed = await second.Http.SendAsync(resume);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal(secret, await File.ReadAllTextAsync(secretFile)); // not regenerated
    }
}
