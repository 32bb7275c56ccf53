using System.Text.Json.Serialization;

namespace ChatAgent.Host.Channels.DirectLine;

/// <summary>Direct Line's error body: <c>{"error":{"code","message"}}</c>.</summary>
public sealed record DirectLineError([property: JsonPropertyName("error")] DirectLineErrorDetail Error)
{
    public static IResult Result(int status, string code, string message) =>
        Results.Json(new DirectLineError(new DirectLineErrorDetail(code, message)), statusCode: status);

    public static IResult BadSyntax(string message) => Result(StatusCodes.Status400BadRequest, "BadSyntax", message);
    public static IResult BadArgument(string message) => Result(StatusCodes.Status400BadRequest, "BadArgument", message);
    public static IResult MissingProperty(string message) => Result(StatusCodes.Status400BadRequest, "MissingProperty", message);
    public static IResult Unauthorized(string message) => Result(StatusCodes.Status401Unauthorized, "Unauthorized", message);
    public static IResult TokenExpired() => Result(StatusCodes.Status403Forbidden, "TokenExpired", "The token has expired. Get a new one from the site's token endpoint.");
    public static IResult Forbidden(string message) => Result(StatusCodes.Status403Forbidden, "Forbidden", message);
    public static IResult NotFound(string message) => Result(StatusCodes.Status404NotFound, "NotFound", message);
    public static IResult TooBig(string message) => Result(StatusCodes.Status413PayloadTooLarge, "MessageSizeTooBig", message);
}

public sealed record DirectLineErrorDetail(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);
