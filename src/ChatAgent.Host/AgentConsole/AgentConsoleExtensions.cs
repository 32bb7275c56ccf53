using System.Security.Claims;
using ChatAgent.Conversations.Service;
using ChatAgent.ServiceDefaults;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Host.AgentConsole;

public static class AgentConsoleExtensions
{
    /// <summary>The console's own cookie scheme; it is not the host's default, so no other endpoint reads the cookie.</summary>
    public const string Scheme = "AgentConsole";
    public const string AgentPolicy = "agent-console";
    public const string AdminPolicy = "agent-console-admin";
    public const string DisplayNameClaim = "chatagent:display_name";
    public const string SecurityStampClaim = "chatagent:security_stamp";
    public const string AntiforgeryHeader = "X-CSRF-TOKEN";

    /// <summary>
    /// Registers the agent console: its database tables (<c>Database:Provider</c>), accounts, the desk, reports, the
    /// customer panel, ratings (an <see cref="IInboundActivityHandler"/>), its meters, cookie authentication,
    /// antiforgery and the <c>AgentConsole</c> options (validated at start-up).
    /// </summary>
    public static IServiceCollection AddAgentConsole(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddAgentConsoleStore(configuration, contentRoot);
        services.AddSingleton<AgentDesk>();
        services.AddSingleton<AgentReports>();
        services.AddSingleton<AgentCustomerPanel>();
        services.AddMetrics();
        services.AddSingleton<AgentConsoleMeters>();
        services.AddSingleton<AgentRatings>();
        services.AddSingleton<IInboundActivityHandler>(sp => sp.GetRequiredService<AgentRatings>());
        services.AddSingleton<AgentSignInThrottle>();

        var sessionMinutes = configuration.GetSection(AgentConsoleOptions.Section).Get<AgentConsoleOptions>()?.SessionMinutes ?? new AgentConsoleOptions().SessionMinutes;
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = "chatagent.agent";
            cookie.Cookie.Path = "/agent";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            // Secure whenever the request is https as the client sent it (behind a TLS proxy: Hosting:KnownProxies).
            cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            cookie.ExpireTimeSpan = TimeSpan.FromMinutes(sessionMinutes);
            cookie.SlidingExpiration = true;
            cookie.LoginPath = "/agent";
            // The console's APIs answer with a JSON status instead of redirecting a fetch to an HTML page.
            cookie.Events.OnValidatePrincipal = ValidateSessionAsync;
            cookie.Events.OnRedirectToLogin = context => WriteErrorAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized", "Sign in to the agent console first.");
            cookie.Events.OnRedirectToAccessDenied = context => WriteErrorAsync(context.HttpContext, StatusCodes.Status403Forbidden, "Forbidden", "This needs an admin account.");
        });
        services.AddAuthorizationBuilder()
            .AddPolicy(AgentPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireRole(nameof(AgentRole.Agent), nameof(AgentRole.Admin)))
            .AddPolicy(AdminPolicy, policy => policy.AddAuthenticationSchemes(Scheme).RequireAuthenticatedUser()
                .RequireRole(nameof(AgentRole.Admin)));
        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.HeaderName = AntiforgeryHeader;
            antiforgery.Cookie.Name = "chatagent.agent.af";
            antiforgery.Cookie.Path = "/agent";
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        return services;
    }

    /// <summary>
    /// Registers only the console's database and accounts (what <c>chatagent agents</c> needs, without the web host).
    /// </summary>
    public static IServiceCollection AddAgentConsoleStore(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        services.AddOptions<AgentConsoleOptions>().Bind(configuration.GetSection(AgentConsoleOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var database = configuration.GetSection(DatabaseOptions.Section).Get<DatabaseOptions>() ?? new DatabaseOptions();
        var connectionString = DatabaseExtensions.ResolveConnectionString(configuration, database.Provider, contentRoot);
        if (database.Provider == DatabaseProvider.Postgres)
        {
            services.AddDbContextFactory<PostgresAgentConsoleDbContext>(o => o.UseChatAgentDatabase(database.Provider, connectionString, AgentConsoleDbContext.MigrationsHistoryTable));
            services.AddSingleton<IDbContextFactory<AgentConsoleDbContext>, FactoryOf<PostgresAgentConsoleDbContext>>();
        }
        else
        {
            services.AddDbContextFactory<SqliteAgentConsoleDbContext>(o => o.UseChatAgentDatabase(database.Provider, connectionString, AgentConsoleDbContext.MigrationsHistoryTable));
            services.AddSingleton<IDbContextFactory<AgentConsoleDbContext>, FactoryOf<SqliteAgentConsoleDbContext>>();
        }
        services.AddSingleton<AgentAccounts>();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>Creates or upgrades the console's tables (call before the host accepts requests).</summary>
    public static async Task MigrateAgentConsoleAsync(this IServiceProvider services, CancellationToken ct)
    {
        await using var db = await services.GetRequiredService<IDbContextFactory<AgentConsoleDbContext>>().CreateDbContextAsync(ct);
        await db.Database.MigrateAsync(ct);
    }

    /// <summary>The signed-in agent's claims principal for the cookie.</summary>
    internal static ClaimsPrincipal PrincipalFor(AgentSummary agent) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, agent.UserName),
                new Claim(DisplayNameClaim, agent.DisplayName),
                new Claim(ClaimTypes.Role, agent.Role.ToString()),
                new Claim(SecurityStampClaim, agent.SecurityStamp),
            ], Scheme, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>
    /// Every request with a console cookie: the account is read from the store; a removed account or a stamp that
    /// changed (sign-out, password or role change) ends the session, and the role is always the stored one.
    /// </summary>
    private static async Task ValidateSessionAsync(CookieValidatePrincipalContext context)
    {
        var principal = context.Principal;
        var accounts = context.HttpContext.RequestServices.GetRequiredService<AgentAccounts>();
        var agent = principal?.Identity?.Name is { } name
            ? await accounts.FindSessionAsync(name, principal.FindFirst(SecurityStampClaim)?.Value, context.HttpContext.RequestAborted)
            : null;
        if (agent is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(Scheme);
            return;
        }
        context.ReplacePrincipal(PrincipalFor(agent));
    }

    private static Task WriteErrorAsync(HttpContext http, int status, string code, string message)
    {
        http.Response.StatusCode = status;
        return http.Response.WriteAsJsonAsync(new AgentConsoleError(new AgentConsoleErrorDetail(code, message)));
    }

    private sealed class FactoryOf<TContext>(IDbContextFactory<TContext> inner) : IDbContextFactory<AgentConsoleDbContext>
        where TContext : AgentConsoleDbContext
    {
        public AgentConsoleDbContext CreateDbContext() => inner.CreateDbContext();
    }
}
