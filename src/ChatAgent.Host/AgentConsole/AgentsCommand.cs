using System.CommandLine;
using ChatAgent.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.AgentConsole;

/// <summary><c>chatagent agents add|list|remove|role|password|signout</c>: manages the agent console's accounts in the configured database.</summary>
public static class AgentsCommand
{
    /// <summary>Creates the <c>agents</c> verb; the host adds it to its root command.</summary>
    public static Command Create()
    {
        var command = new Command("agents", "Manage agent console accounts (agents and admins).");
        command.Subcommands.Add(CreateAdd());
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateRemove());
        command.Subcommands.Add(CreateRole());
        command.Subcommands.Add(CreatePassword());
        command.Subcommands.Add(CreateSignOut());
        return command;
    }

    private static Command CreateAdd()
    {
        var userName = new Argument<string>("user-name") { Description = "Sign-in name (letters, digits, '.', '_', '-')." };
        var displayName = new Option<string?>("--display-name", "-n") { Description = "The name customers see on the agent's replies (default: the user name)." };
        var admin = new Option<bool>("--admin") { Description = "An admin: also sees metrics and the whole audit log." };
        var password = new Option<string?>("--password") { Description = "The password (visible in the shell history: prefer --password-stdin)." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of standard input." };
        var add = new Command("add", "Create an agent account.") { userName, displayName, admin, password, passwordStdin };
        add.SetAction((parse, ct) => RunAsync(async services =>
        {
            var secret = parse.GetValue(password);
            if (parse.GetValue(passwordStdin))
            {
                secret = (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r', '\n');
            }
            if (string.IsNullOrEmpty(secret))
            {
                await Console.Error.WriteLineAsync("Error: give the password with --password-stdin (recommended) or --password.");
                return 2;
            }
            var name = parse.GetValue(userName)!;
            var role = parse.GetValue(admin) ? AgentRole.Admin : AgentRole.Agent;
            var created = await services.GetRequiredService<AgentAccounts>().AddAsync(name, parse.GetValue(displayName) ?? name, secret, role, ct);
            Console.WriteLine($"Added {created.Role.ToString().ToLowerInvariant()} '{created.UserName}' ({created.DisplayName}).");
            return 0;
        }, ct));
        return add;
    }

    private static Command CreateList()
    {
        var list = new Command("list", "List the accounts.");
        list.SetAction((parse, ct) => RunAsync(async services =>
        {
            var accounts = await services.GetRequiredService<AgentAccounts>().ListAsync(ct);
            if (accounts.Count == 0)
            {
                Console.WriteLine("No accounts. Add one with: chatagent agents add NAME --display-name \"Full Name\" --password-stdin");
            }
            foreach (var a in accounts)
            {
                var locked = a.LockedUntil is { } until && until > DateTimeOffset.UtcNow ? $"  locked until {until:u}" : string.Empty;
                Console.WriteLine($"{a.UserName,-24} {a.Role.ToString().ToLowerInvariant(),-6} {a.DisplayName}{locked}");
            }
            return 0;
        }, ct));
        return list;
    }

    private static Command CreateRemove()
    {
        var userName = new Argument<string>("user-name") { Description = "The account to delete." };
        var remove = new Command("remove", "Delete an account (its audit entries stay).") { userName };
        remove.SetAction((parse, ct) => RunAsync(async services =>
        {
            var name = parse.GetValue(userName)!;
            if (!await services.GetRequiredService<AgentAccounts>().RemoveAsync(name, ct))
            {
                await Console.Error.WriteLineAsync($"Error: there is no account named '{name}'.");
                return 1;
            }
            Console.WriteLine($"Removed '{name}'.");
            return 0;
        }, ct));
        return remove;
    }

    private static Command CreateRole()
    {
        var userName = new Argument<string>("user-name") { Description = "The account." };
        var role = new Argument<string>("role") { Description = "agent or admin." };
        var command = new Command("role", "Make an account an agent or an admin (its open sessions end).") { userName, role };
        command.SetAction((parse, ct) => RunAsync(async services =>
        {
            var name = parse.GetValue(userName)!;
            if (!Enum.TryParse<AgentRole>(parse.GetValue(role), ignoreCase: true, out var newRole) || !Enum.IsDefined(newRole))
            {
                await Console.Error.WriteLineAsync("Error: the role is 'agent' or 'admin'.");
                return 2;
            }
            return await ReportAsync(await services.GetRequiredService<AgentAccounts>().SetRoleAsync(name, newRole, ct), name,
                $"'{name}' is now {newRole.ToString().ToLowerInvariant()}; their open sessions have ended.");
        }, ct));
        return command;
    }

    private static Command CreatePassword()
    {
        var userName = new Argument<string>("user-name") { Description = "The account." };
        var password = new Option<string?>("--password") { Description = "The new password (visible in the shell history: prefer --password-stdin)." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the new password from the first line of standard input." };
        var command = new Command("password", "Set a new password (clears a lock-out; open sessions end).") { userName, password, passwordStdin };
        command.SetAction((parse, ct) => RunAsync(async services =>
        {
            var secret = parse.GetValue(passwordStdin) ? (await Console.In.ReadLineAsync(ct))?.TrimEnd('\r', '\n') : parse.GetValue(password);
            if (string.IsNullOrEmpty(secret))
            {
                await Console.Error.WriteLineAsync("Error: give the password with --password-stdin (recommended) or --password.");
                return 2;
            }
            var name = parse.GetValue(userName)!;
            return await ReportAsync(await services.GetRequiredService<AgentAccounts>().SetPasswordAsync(name, secret, ct), name,
                $"New password set for '{name}'; their open sessions have ended.");
        }, ct));
        return command;
    }

    private static Command CreateSignOut()
    {
        var userName = new Argument<string>("user-name") { Description = "The account." };
        var command = new Command("signout", "End every open console session of an account (e.g. a lost laptop).") { userName };
        command.SetAction((parse, ct) => RunAsync(async services =>
        {
            var name = parse.GetValue(userName)!;
            return await ReportAsync(await services.GetRequiredService<AgentAccounts>().RevokeSessionsAsync(name, ct), name, $"Ended every session of '{name}'.");
        }, ct));
        return command;
    }

    private static async Task<int> ReportAsync(bool found, string name, string done)
    {
        if (!found)
        {
            await Console.Error.WriteLineAsync($"Error: there is no account named '{name}'.");
            return 1;
        }
        Console.WriteLine(done);
        return 0;
    }

    /// <summary>Builds only the console's store from the same configuration as the host, migrates it and runs the body; errors print one line.</summary>
    private static async Task<int> RunAsync(Func<IServiceProvider, Task<int>> body, CancellationToken ct)
    {
        try
        {
            var root = ContentRoot.Resolve();
            var environment = Environment.GetEnvironmentVariable("DOTNET_ENVIRONMENT") ?? Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production";
            var configuration = new ConfigurationBuilder()
                .SetBasePath(root)
                .AddJsonFile("appsettings.json", optional: true)
                .AddJsonFile($"appsettings.{environment}.json", optional: true)
                .AddEnvironmentVariables()
                .Build();
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddAgentConsoleStore(configuration, root);
            await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
            _ = provider.GetRequiredService<IOptions<AgentConsoleOptions>>().Value;
            await provider.MigrateAgentConsoleAsync(ct);
            return await body(provider);
        }
        catch (OptionsValidationException e)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {string.Join("; ", e.Failures)}");
            return 1;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or Microsoft.EntityFrameworkCore.DbUpdateException or System.Data.Common.DbException)
        {
            await Console.Error.WriteLineAsync($"Error: {e.Message}");
            return 1;
        }
    }
}
