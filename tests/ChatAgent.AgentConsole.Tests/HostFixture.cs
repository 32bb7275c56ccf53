using ChatAgent.Testing;

namespace ChatAgent.AgentConsole.Tests;

/// <summary>One real host shared by the API tests (each test makes its own accounts and conversations).</summary>
public sealed class HostFixture : IAsyncLifetime
{
    public ChatAgentTestHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() =>
        Host = await ChatAgentTestHost.StartAsync(new Dictionary<string, string?> { ["AgentConsole:RefreshSeconds"] = "1" });

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}
