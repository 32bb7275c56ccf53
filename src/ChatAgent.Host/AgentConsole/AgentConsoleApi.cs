using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using System.Threading.Channels;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Service;
using ChatAgent.Host.Hosting;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ChatAgent.Host.AgentConsole;

/// <summary>The agent console: its pages under <c>/agent</c> and its JSON API under <c>/agent/api</c>.</summary>
public static class AgentConsoleApi
{
    public sealed record SignInRequest(string? UserName, string? Password);
    public sealed record TextRequest(string? Text);
    public sealed record TransferRequest(string? To);
    public sealed record SessionResponse(AgentView? Agent, string AntiforgeryToken, string AntiforgeryHeader);
    public sealed record AgentView(string UserName, string DisplayName, string Role);

    /// <summary>Maps the console pages (<c>/agent</c>) and API (<c>/agent/api</c>).</summary>
    public static IEndpointRouteBuilder MapAgentConsole(this IEndpointRouteBuilder app)
    {
        // The HTML shells are served here, not by the static file middleware: signed-out visitors only ever get the sign-in page.
        app.MapGet("/agent", (HttpContext http, IWebHostEnvironment environment) => ServePageAsync(http, environment, "agent/console.html", adminOnly: false))
            .WithName("AgentConsolePage").WithSummary("The agent console (the sign-in page when signed out).").ExcludeFromDescription();
        app.MapGet("/agent/history", (HttpContext http, IWebHostEnvironment environment) => ServePageAsync(http, environment, "agent/history.html", adminOnly: false))
            .WithName("AgentConsoleHistoryPage").WithSummary("Search, open and export past conversations.").ExcludeFromDescription();
        app.MapGet("/agent/metrics", (HttpContext http, IWebHostEnvironment environment) => ServePageAsync(http, environment, "agent/metrics.html", adminOnly: true))
            .WithName("AgentConsoleMetricsPage").WithSummary("Service metrics as charts (admins only).").ExcludeFromDescription();
        app.MapGet("/agent/{page}.html", () => Results.Redirect("/agent")).ExcludeFromDescription();

        var maxMessageLength = app.ServiceProvider.GetRequiredService<IConfiguration>().GetSection(AgentConsoleOptions.Section).Get<AgentConsoleOptions>()?.MaxMessageLength
            ?? new AgentConsoleOptions().MaxMessageLength;
        var anonymous = app.MapGroup("/agent/api").WithTags("Agent console");
        anonymous.MapGet("/session", GetSessionAsync).WithName("AgentConsoleSession").WithSummary("The signed-in agent (or null) and an antiforgery token for state-changing requests.");
        anonymous.MapPost("/signin", SignInAsync).WithName("AgentConsoleSignIn").WithSummary("Signs an agent in with user name and password; locks the account after repeated failures.")
            .WithRequestBodyLimit(SignInBodyLimit)
            .AddEndpointFilter(RequireAntiforgery);

        // A reply or note of the longest allowed text, every character escaped, plus room for the JSON around it.
        var api = app.MapGroup("/agent/api").WithTags("Agent console").RequireAuthorization(AgentConsoleExtensions.AgentPolicy)
            .WithRequestBodyLimit(16 * 1024 + 6L * maxMessageLength)
            .AddEndpointFilter(RequireAntiforgery);
        api.MapPost("/signout", SignOutAsync).WithName("AgentConsoleSignOut").WithSummary("Signs the agent out.");
        api.MapGet("/queue", async (AgentDesk desk, CancellationToken ct) => Results.Ok(await desk.GetQueueAsync(ct)))
            .WithName("AgentConsoleQueue").WithSummary("Escalated conversations, longest waiting first.");
        api.MapGet("/agents", async (AgentAccounts accounts, CancellationToken ct) =>
                Results.Ok((await accounts.ListAsync(ct)).Select(a => new AgentView(a.UserName, a.DisplayName, a.Role.ToString()))))
            .WithName("AgentConsoleAgents").WithSummary("The agents a conversation can be transferred to.");
        api.MapGet("/conversations/{conversationId}", (string conversationId, AgentDesk desk, CancellationToken ct) => Run(() => desk.GetConversationAsync(conversationId, ct)))
            .WithName("AgentConsoleConversation").WithSummary("A conversation's whole transcript (tool calls included), its case, internal notes and audit trail.");
        api.MapGet("/conversations/{conversationId}/customer", (string conversationId, AgentDesk desk, AgentCustomerPanel customers, CancellationToken ct) =>
                Run(async () =>
                {
                    await desk.RequireConversationAsync(conversationId, ct);
                    return await customers.GetAsync(conversationId, ct);
                }))
            .WithName("AgentConsoleCustomer").WithSummary("The customer the shop verified in this conversation (or not verified) and their recent orders.");
        api.MapPost("/conversations/{conversationId}/claim", (string conversationId, HttpContext http, AgentDesk desk, CancellationToken ct) =>
                AsAgent(http, agent => desk.ClaimAsync(conversationId, agent, ct)))
            .WithName("AgentConsoleClaim").WithSummary("Takes an escalated conversation from the queue.");
        api.MapPost("/conversations/{conversationId}/reply", (string conversationId, TextRequest body, HttpContext http, AgentDesk desk, CancellationToken ct) =>
                AsAgent(http, agent => desk.ReplyAsync(conversationId, agent, body.Text, ct)))
            .WithName("AgentConsoleReply").WithSummary("Sends a message into the customer's chat under the agent's display name.");
        api.MapPost("/conversations/{conversationId}/notes", (string conversationId, TextRequest body, HttpContext http, AgentDesk desk, CancellationToken ct) =>
                AsAgent(http, agent => desk.AddNoteAsync(conversationId, agent, body.Text, ct)))
            .WithName("AgentConsoleAddNote").WithSummary("Adds an internal note; the customer never sees it.");
        api.MapPost("/conversations/{conversationId}/transfer", (string conversationId, TransferRequest body, HttpContext http, AgentDesk desk, CancellationToken ct) =>
                AsAgent(http, agent => desk.TransferAsync(conversationId, agent, body.To, ct)))
            .WithName("AgentConsoleTransfer").WithSummary("Hands a claimed conversation to another agent.");
        api.MapPost("/conversations/{conversationId}/resolve", (string conversationId, HttpContext http, AgentDesk desk, CancellationToken ct) =>
                AsAgent(http, agent => desk.ResolveAsync(conversationId, agent, ct)))
            .WithName("AgentConsoleResolve").WithSummary("Marks the case resolved; the bot answers the customer's next message.");
        api.MapPost("/conversations/{conversationId}/handback", (string conversationId, HttpContext http, AgentDesk desk, CancellationToken ct) =>
                AsAgent(http, agent => desk.HandBackAsync(conversationId, agent, ct)))
            .WithName("AgentConsoleHandBack").WithSummary("Returns the conversation to the bot.");
        api.MapGet("/events", StreamEvents)
            .WithName("AgentConsoleEvents").WithSummary("Server-Sent Events: 'queue' snapshots when the queue changes, 'activity' and 'case' for the open conversation.");
        api.MapGet("/history", (string? status, string? customer, string? q, string? reason, DateOnly? from, DateOnly? to, int? limit, AgentReports reports, CancellationToken ct) =>
                Run(() => reports.SearchAsync(new HistoryQuery(status, customer, q, reason, from, to, limit ?? 100), ct)))
            .WithName("AgentConsoleHistory").WithSummary("Searches all conversations by status, customer, message text, escalation reason and creation date (yyyy-mm-dd, UTC).");
        api.MapGet("/conversations/{conversationId}/export", ExportAsync)
            .WithName("AgentConsoleExport").WithSummary("Downloads a transcript as JSON (format=json, default) or plain text (format=text).");
        api.MapGet("/metrics", (DateOnly? from, DateOnly? to, AgentReports reports, TimeProvider clock, CancellationToken ct) =>
            {
                var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
                return Run(() => reports.GetMetricsAsync(from ?? (to ?? today).AddDays(-29), to ?? today, ct));
            })
            .RequireAuthorization(AgentConsoleExtensions.AdminPolicy)
            .WithName("AgentConsoleMetrics").WithSummary("Conversations per day, deflection and escalation rates, escalation reasons, agents' first-response and resolution times, ratings (admins only).");
        api.MapGet("/audit", async (AgentDesk desk, int? limit, CancellationToken ct) => Results.Ok(await desk.GetAuditAsync(limit ?? 200, ct)))
            .RequireAuthorization(AgentConsoleExtensions.AdminPolicy)
            .WithName("AgentConsoleAudit").WithSummary("The newest agent actions across all conversations (admins only).");
        return app;
    }

    private static async Task<IResult> ExportAsync(string conversationId, string? format, HttpContext http, AgentDesk desk, CancellationToken ct)
    {
        ConversationDetail detail;
        try
        {
            detail = await desk.GetConversationAsync(conversationId, ct);
        }
        catch (AgentDeskException e)
        {
            return AgentConsoleError.Result(e.Status, e.Code, e.Message);
        }
        var safeName = new string(conversationId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        switch ((format ?? "json").ToLowerInvariant())
        {
            case "text":
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"transcript-{safeName}.txt\"";
                return Results.Text(AgentReports.ToText(detail), "text/plain; charset=utf-8");
            case "json":
                http.Response.Headers.ContentDisposition = $"attachment; filename=\"transcript-{safeName}.json\"";
                return Results.Ok(new { detail.ConversationId, detail.ChannelId, detail.Customer, detail.Status, detail.CreatedAt, detail.Case, detail.Activities });
            default:
                return AgentConsoleError.Result(StatusCodes.Status400BadRequest, "BadArgument", "format must be json or text.");
        }
    }

    private static async Task<IResult> ServePageAsync(HttpContext http, IWebHostEnvironment environment, string page, bool adminOnly)
    {
        var auth = await http.AuthenticateAsync(AgentConsoleExtensions.Scheme);
        var signedIn = auth.Succeeded;
        if (signedIn && adminOnly && auth.Principal?.IsInRole(nameof(AgentRole.Admin)) != true)
        {
            return AgentConsoleError.Result(StatusCodes.Status403Forbidden, "Forbidden", "This page needs an admin account.");
        }
        var file = environment.WebRootFileProvider.GetFileInfo(signedIn ? page : "agent/signin.html");
        if (!file.Exists)
        {
            return AgentConsoleError.Result(StatusCodes.Status500InternalServerError, "ServiceError", "The agent console's pages are missing from wwwroot/agent.");
        }
        http.Response.Headers.CacheControl = "no-store";
        http.Response.Headers["Content-Security-Policy"] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";
        return Results.Stream(file.CreateReadStream(), "text/html; charset=utf-8");
    }

    private static async Task<IResult> GetSessionAsync(HttpContext http, IAntiforgery antiforgery, AgentAccounts accounts, CancellationToken ct)
    {
        var auth = await http.AuthenticateAsync(AgentConsoleExtensions.Scheme);
        AgentSummary? agent = null;
        if (auth.Succeeded)
        {
            // The token binds to the user, so it is made for the principal this request carries.
            http.User = auth.Principal!;
            agent = await accounts.FindAsync(http.User.Identity?.Name ?? string.Empty, ct);
        }
        var tokens = antiforgery.GetAndStoreTokens(http);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new SessionResponse(agent is null ? null : View(agent), tokens.RequestToken!, AgentConsoleExtensions.AntiforgeryHeader));
    }

    /// <summary>The largest sign-in body (bytes): a user name and a password, never megabytes.</summary>
    public const int SignInBodyLimit = 8 * 1024;

    private static async Task<IResult> SignInAsync(HttpContext http, SignInRequest body, AgentAccounts accounts, AgentDesk desk, AgentSignInThrottle throttle, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body.UserName) || string.IsNullOrEmpty(body.Password))
        {
            return AgentConsoleError.Result(StatusCodes.Status400BadRequest, "MissingProperty", "Enter your user name and password.");
        }
        if (throttle.TryAcquire(http.Connection.RemoteIpAddress, body.UserName) is { } retryAfter)
        {
            http.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return AgentConsoleError.Result(StatusCodes.Status429TooManyRequests, "TooManyRequests", $"Too many sign-in attempts; try again in {retryAfter} s.");
        }
        var (result, agent) = await accounts.SignInAsync(body.UserName, body.Password, ct);
        var name = body.UserName.Trim().ToLowerInvariant();
        switch (result)
        {
            case SignInResult.LockedOut:
                await desk.AuditAsync(name, "signin_locked", null, ct);
                return AgentConsoleError.Result(StatusCodes.Status423Locked, "LockedOut", "Too many failed sign-ins: the account is locked for a while. Try again later or ask an admin.");
            case SignInResult.Failed:
                await desk.AuditAsync(name, "signin_failed", null, ct);
                return AgentConsoleError.Result(StatusCodes.Status401Unauthorized, "InvalidCredentials", "Wrong user name or password.");
        }
        await http.SignInAsync(AgentConsoleExtensions.Scheme, AgentConsoleExtensions.PrincipalFor(agent!));
        await desk.AuditAsync(agent!.UserName, "signed_in", null, ct);
        return Results.Ok(View(agent));
    }

    private static async Task<IResult> SignOutAsync(HttpContext http, AgentDesk desk, AgentAccounts accounts, CancellationToken ct)
    {
        // Server-side: every cookie of this account stops working, not only the one this browser drops.
        await accounts.RevokeSessionsAsync(http.User.Identity?.Name ?? string.Empty, ct);
        await http.SignOutAsync(AgentConsoleExtensions.Scheme);
        await desk.AuditAsync(http.User.Identity?.Name ?? "?", "signed_out", null, ct);
        return Results.NoContent();
    }

    /// <summary>Every state-changing request must carry the antiforgery header that matches the antiforgery cookie.</summary>
    private static async ValueTask<object?> RequireAntiforgery(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        {
            return await next(context);
        }
        try
        {
            await http.RequestServices.GetRequiredService<IAntiforgery>().ValidateRequestAsync(http);
        }
        catch (AntiforgeryValidationException)
        {
            return AgentConsoleError.Result(StatusCodes.Status400BadRequest, "AntiforgeryFailed",
                $"The request has no valid antiforgery token: send the {AgentConsoleExtensions.AntiforgeryHeader} header from /agent/api/session.");
        }
        return await next(context);
    }

    /// <summary>Runs an action as the signed-in agent, re-read from the database so a removed account loses access at once.</summary>
    private static async Task<IResult> AsAgent<T>(HttpContext http, Func<AgentSummary, Task<T>> action)
    {
        var accounts = http.RequestServices.GetRequiredService<AgentAccounts>();
        var agent = await accounts.FindAsync(http.User.Identity?.Name ?? string.Empty, http.RequestAborted);
        if (agent is null)
        {
            await http.SignOutAsync(AgentConsoleExtensions.Scheme);
            return AgentConsoleError.Result(StatusCodes.Status401Unauthorized, "Unauthorized", "This account no longer exists.");
        }
        return await Run(() => action(agent));
    }

    private static async Task<IResult> Run<T>(Func<Task<T>> action)
    {
        try
        {
            return Results.Ok(await action());
        }
        catch (AgentDeskException e)
        {
            return AgentConsoleError.Result(e.Status, e.Code, e.Message);
        }
    }

    private static IResult StreamEvents(HttpContext http, string? conversation, long? after, AgentDesk desk, ConversationFeed feed,
        IOptions<AgentConsoleOptions> options, IHostApplicationLifetime lifetime, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        http.Response.Headers.CacheControl = "no-store";
        var stop = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        http.Response.RegisterForDispose(stop);
        return TypedResults.ServerSentEvents(EventsAsync(conversation, after ?? 0, desk, feed, TimeSpan.FromSeconds(options.Value.RefreshSeconds), json.Value.SerializerOptions, stop.Token));
    }

    /// <summary>
    /// Wakes on any activity of a queued (or the open) conversation through the in-process feed, and on a timer for
    /// changes the feed cannot see (status changes, other hosts); sends only what changed.
    /// </summary>
    private static async IAsyncEnumerable<SseItem<string>> EventsAsync(string? conversationId, long after, AgentDesk desk, ConversationFeed feed,
        TimeSpan refresh, JsonSerializerOptions json, [EnumeratorCancellation] CancellationToken ct)
    {
        var wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        var subscriptions = new Dictionary<string, FeedSubscription>();
        string? lastQueue = null;
        string? lastCase = null;
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var queue = await desk.GetQueueAsync(ct);
                var queueJson = JsonSerializer.Serialize(queue, json);
                if (queueJson != lastQueue)
                {
                    lastQueue = queueJson;
                    yield return new SseItem<string>(queueJson, "queue");
                }

                var watched = queue.Select(q => q.ConversationId).ToHashSet(StringComparer.Ordinal);
                if (conversationId is not null)
                {
                    watched.Add(conversationId);
                    var detail = await TryGetDetailAsync(desk, conversationId, ct);
                    if (detail is not null)
                    {
                        for (var i = 0; i < detail.Activities.Count; i++)
                        {
                            var sequence = SequenceOf(detail.Activities[i], i);
                            if (sequence > after)
                            {
                                after = sequence;
                                yield return new SseItem<string>(JsonSerializer.Serialize(new { sequence, activity = detail.Activities[i] }, json), "activity");
                            }
                        }
                        var caseJson = JsonSerializer.Serialize(new { detail.Status, detail.Case, detail.Notes, detail.Audit }, json);
                        if (caseJson != lastCase)
                        {
                            lastCase = caseJson;
                            yield return new SseItem<string>(caseJson, "case");
                        }
                    }
                }

                foreach (var gone in subscriptions.Keys.Where(k => !watched.Contains(k)).ToList())
                {
                    subscriptions.Remove(gone, out var old);
                    old!.Dispose();
                }
                foreach (var id in watched.Where(id => !subscriptions.ContainsKey(id)))
                {
                    var subscription = feed.Subscribe(id);
                    subscriptions[id] = subscription;
                    _ = PumpAsync(subscription, wake.Writer, ct);
                }

                if (!await WaitAsync(wake.Reader, refresh, ct))
                {
                    yield break;
                }
            }
        }
        finally
        {
            foreach (var subscription in subscriptions.Values)
            {
                subscription.Dispose();
            }
        }
    }

    private static async Task<ConversationDetail?> TryGetDetailAsync(AgentDesk desk, string conversationId, CancellationToken ct)
    {
        try
        {
            return await desk.GetConversationAsync(conversationId, ct);
        }
        catch (AgentDeskException)
        {
            return null;
        }
    }

    /// <summary>Stored activity ids end in the zero-padded sequence number (<c>{conversation}|0000012</c>).</summary>
    private static long SequenceOf(Activity activity, int index) =>
        activity.Id is { } id && id.LastIndexOf('|') is var bar and >= 0 && long.TryParse(id.AsSpan(bar + 1), out var sequence) ? sequence : index + 1;

    private static async Task PumpAsync(FeedSubscription subscription, ChannelWriter<bool> wake, CancellationToken ct)
    {
        try
        {
            await foreach (var item in subscription.Reader.ReadAllAsync(ct))
            {
                if (item.Sequence is not null)
                {
                    wake.TryWrite(true);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The stream closed.
        }
    }

    private static async Task<bool> WaitAsync(ChannelReader<bool> wake, TimeSpan refresh, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(refresh);
        try
        {
            await wake.WaitToReadAsync(timeout.Token);
            wake.TryRead(out _);
            return true;
        }
        catch (OperationCanceledException)
        {
            return !ct.IsCancellationRequested;
        }
    }

    private static AgentView View(AgentSummary agent) => new(agent.UserName, agent.DisplayName, agent.Role.ToString());
}
