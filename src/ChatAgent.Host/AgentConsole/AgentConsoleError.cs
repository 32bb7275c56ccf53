namespace ChatAgent.Host.AgentConsole;

/// <summary>The console's error body, the same shape as Direct Line's: <c>{"error":{"code","message"}}</c>.</summary>
public sealed record AgentConsoleError(AgentConsoleErrorDetail Error)
{
    public static IResult Result(int status, string code, string message) =>
        Results.Json(new AgentConsoleError(new AgentConsoleErrorDetail(code, message)), statusCode: status);
}

public sealed record AgentConsoleErrorDetail(string Code, string Message);
