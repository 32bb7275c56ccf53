using ChatAgent.Host.AgentConsole;

namespace ChatAgent.AgentConsole.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironmentCollection
{
    // These tests set CHATAGENT_ROOT and redirect the console, which are process-wide.
    public const string Name = "process environment";
}

[Collection(ProcessEnvironmentCollection.Name)]
public sealed class AgentsCommandTests
{
    [Fact]
    public async Task Agents_add_list_and_remove_manage_accounts_in_the_configured_database()
    {
        var root = Directory.CreateTempSubdirectory("chatagent-cli-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "appsettings.json"), """{ "ConnectionStrings": { "ChatAgent": "Data Source=data/cli.db" } }""");
        var previousRoot = Environment.GetEnvironmentVariable("CHATAGENT_ROOT");
        var (previousIn, previousOut, previousError) = (Console.In, Console.Out, Console.Error);
        var output = new StringWriter();
        var errors = new StringWriter();
        try
        {
            Environment.SetEnvironmentVariable("CHATAGENT_ROOT", root);
            Console.SetOut(output);
            Console.SetError(errors);

            Console.SetIn(new StringReader("s3cret-password\n"));
            Assert.Equal(0, await AgentsCommand.Create().Parse(["add", "Erin", "--display-name", "Erin Example", "--password-stdin"]).InvokeAsync());
            Assert.Equal(0, await AgentsCommand.Create().Parse(["add", "root", "--admin", "--password", "another-password"]).InvokeAsync());
            Assert.Equal(1, await AgentsCommand.Create().Parse(["add", "erin", "--password", "whatever-else"]).InvokeAsync());
            Assert.Equal(1, await AgentsCommand.Create().Parse(["add", "shorty", "--password", "short"]).InvokeAsync());
            Assert.Equal(0, await AgentsCommand.Create().Parse(["list"]).InvokeAsync());
            Assert.Equal(0, await AgentsCommand.Create().Parse(["remove", "root"]).InvokeAsync());
            Assert.Equal(1, await AgentsCommand.Create().Parse(["remove", "root"]).InvokeAsync());

            var printed = output.ToString();
            Assert.Contains("Added agent 'erin' (Erin Example).", printed);
            Assert.Contains("Added admin 'root' (root).", printed);
            Assert.Matches(@"erin\s+agent\s+Erin Example", printed);
            Assert.Contains("Removed 'root'.", printed);
            Assert.Contains("already exists", errors.ToString());
            Assert.Contains("at least 8 characters", errors.ToString());
            Assert.DoesNotContain("   at ", errors.ToString()); // no stack traces
            Assert.True(File.Exists(Path.Combine(root, "data", "cli.db")));
        }
        finally
        {
            Environment.SetEnvironmentVariable("CHATAGENT_ROOT", previousRoot);
            Console.SetIn(previousIn);
            Console.SetOut(previousOut);
            Console.SetError(previousError);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public async Task Agents_role_password_signout_and_remove_from_the_CLI_end_a_running_hosts_sessions_at_once()
    {
        await using var host = await ChatAgent.Testing.ChatAgentTestHost.StartAsync();
        var root = Directory.CreateTempSubdirectory("chatagent-cli-").FullName;
        var database = Path.Combine(host.DataDirectory, "chatagent.db");
        await File.WriteAllTextAsync(Path.Combine(root, "appsettings.json"), $$"""{ "ConnectionStrings": { "ChatAgent": "Data Source={{database.Replace("\\", "/")}}" } }""");
        var previousRoot = Environment.GetEnvironmentVariable("CHATAGENT_ROOT");
        var (previousIn, previousOut, previousError) = (Console.In, Console.Out, Console.Error);
        var output = new StringWriter();
        try
        {
            Environment.SetEnvironmentVariable("CHATAGENT_ROOT", root);
            Console.SetOut(output);
            Console.SetError(output);
            using var boss = await ConsoleClient.SignedInAsync(host, "cli-boss", "Boss", AgentRole.Admin);
            using var agent = await ConsoleClient.SignedInAsync(host, "cli-agent", "Agent");
            Assert.Equal(System.Net.HttpStatusCode.OK, (await boss.Http.GetAsync("/agent/api/audit")).StatusCode);

            Assert.Equal(0, await AgentsCommand.Create().Parse(["role", "cli-boss", "agent"]).InvokeAsync());
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await boss.Http.GetAsync("/agent/api/audit")).StatusCode);
            await boss.SignInAsync("cli-boss", ConsoleClient.TestPassword);
            Assert.Equal(System.Net.HttpStatusCode.Forbidden, (await boss.Http.GetAsync("/agent/api/audit")).StatusCode);

            Assert.Equal(0, await AgentsCommand.Create().Parse(["signout", "cli-boss"]).InvokeAsync());
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await boss.Http.GetAsync("/agent/api/queue")).StatusCode);

            Console.SetIn(new StringReader("the-new-password\n"));
            Assert.Equal(0, await AgentsCommand.Create().Parse(["password", "cli-agent", "--password-stdin"]).InvokeAsync());
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);
            await agent.SignInAsync("cli-agent", "the-new-password");
            Assert.Equal(0, await AgentsCommand.Create().Parse(["remove", "cli-agent"]).InvokeAsync());
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await agent.Http.GetAsync("/agent/api/queue")).StatusCode);

            Assert.Equal(2, await AgentsCommand.Create().Parse(["role", "cli-boss", "owner"]).InvokeAsync());
            Assert.Equal(1, await AgentsCommand.Create().Parse(["signout", "nobody"]).InvokeAsync());
            Assert.Contains("is now agent", output.ToString());
            Assert.DoesNotContain("   at ", output.ToString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("CHATAGENT_ROOT", previousRoot);
            Console.SetIn(previousIn);
            Console.SetOut(previousOut);
            Console.SetError(previousError);
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }
}
