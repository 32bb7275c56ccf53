using System.Text.Json.Serialization;

namespace ChatAgent.Host.Channels.BotFramework;

/// <summary>Bot Framework's error body (<c>ErrorResponse</c>): <c>{"error":{"code","message"}}</c>.</summary>
public sealed record BotFrameworkError([property: JsonPropertyName("error")] BotFrameworkErrorDetail Error)
{
    public static IResult Result(int status, string code, string message) =>
        Results.Json(new BotFrameworkError(new BotFrameworkErrorDetail(code, message)), statusCode: status);

    public static IResult Unauthorized(string message) => Result(StatusCodes.Status401Unauthorized, "Unauthorized", message);
    public static IResult BadSyntax(string message) => Result(StatusCodes.Status400BadRequest, "BadSyntax", message);
    public static IResult MissingProperty(string message) => Result(StatusCodes.Status400BadRequest, "MissingProperty", message);
    public static IResult BadArgument(string message) => Result(StatusCodes.Status400BadRequest, "BadArgument", message);
}

public sealed record BotFrameworkErrorDetail(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);
