using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatAgent.Testing;

/// <summary>What a scripted model answers: text, or one tool call (the name as the request's <c>tools</c> list spells it).</summary>
public sealed record ScriptedReply(string? Text, string? ToolName = null, JsonObject? ToolArguments = null)
{
    public static ScriptedReply Say(string text) => new(text);

    public static ScriptedReply Call(string toolName, JsonObject arguments) => new(null, toolName, arguments);
}

/// <summary>
/// An OpenAI-compatible chat-completions server on Kestrel at http://127.0.0.1:&lt;free port&gt;/v1, whose answers a
/// test scripts from the request (<c>messages</c>, <c>tools</c>). Streams (SSE) when the client asks, as the
/// orchestrator does; answers plain JSON otherwise. Usage figures are the request's and reply's character counts / 4.
/// </summary>
public sealed class ScriptedOpenAiServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private ScriptedOpenAiServer(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The endpoint to configure, ending in <c>/v1</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>Chat-completion requests answered so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    public static async Task<ScriptedOpenAiServer> StartAsync(Func<JsonObject, ScriptedReply> script)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        ScriptedOpenAiServer? server = null;
        app.MapPost("/v1/chat/completions", async (HttpContext http) =>
        {
            var request = (await JsonNode.ParseAsync(http.Request.Body))!.AsObject();
            Interlocked.Increment(ref server!._requests);
            ScriptedReply reply;
            try
            {
                reply = script(request);
            }
            catch (Exception e)
            {
                // A script bug shows in the test's output, not as a hang.
                http.Response.StatusCode = 500;
                await http.Response.WriteAsJsonAsync(new { error = new { message = e.ToString(), type = "script_error" } });
                return;
            }
            var model = (string?)request["model"] ?? "scripted";
            var promptTokens = request["messages"]!.ToJsonString().Length / 4;
            var completionTokens = Math.Max(1, ((reply.Text?.Length ?? 0) + (reply.ToolArguments?.ToJsonString().Length ?? 0)) / 4);
            var usage = new JsonObject { ["prompt_tokens"] = promptTokens, ["completion_tokens"] = completionTokens, ["total_tokens"] = promptTokens + completionTokens };
            var finish = reply.ToolName is null ? "stop" : "tool_calls";
            JsonArray? toolCalls = reply.ToolName is null ? null : [new JsonObject
            {
                ["index"] = 0,
                ["id"] = $"call_{Guid.NewGuid():N}",
                ["type"] = "function",
                ["function"] = new JsonObject { ["name"] = reply.ToolName, ["arguments"] = (reply.ToolArguments ?? []).ToJsonString() },
            }];
            if ((bool?)request["stream"] == true)
            {
                http.Response.ContentType = "text/event-stream";
                var delta = new JsonObject { ["role"] = "assistant" };
                if (reply.Text is not null)
                {
                    delta["content"] = reply.Text;
                }
                if (toolCalls is not null)
                {
                    delta["tool_calls"] = toolCalls;
                }
                await WriteChunkAsync(http, Chunk(model, delta, null, null));
                await WriteChunkAsync(http, Chunk(model, [], finish, usage));
                await http.Response.WriteAsync("data: [DONE]\n\n");
                return;
            }
            var message = new JsonObject { ["role"] = "assistant", ["content"] = reply.Text };
            if (toolCalls is not null)
            {
                foreach (var call in toolCalls)
                {
                    call!.AsObject().Remove("index");
                }
                message["tool_calls"] = toolCalls;
            }
            await http.Response.WriteAsJsonAsync(new JsonObject
            {
                ["id"] = "chatcmpl-scripted",
                ["object"] = "chat.completion",
                ["created"] = 1_700_000_000,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["message"] = message, ["finish_reason"] = finish }),
                ["usage"] = usage,
            });
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server = new ScriptedOpenAiServer(app, address.TrimEnd('/') + "/v1");
        return server;
    }

    private static JsonObject Chunk(string model, JsonObject delta, string? finish, JsonObject? usage)
    {
        var chunk = new JsonObject
        {
            ["id"] = "chatcmpl-scripted",
            ["object"] = "chat.completion.chunk",
            ["created"] = 1_700_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };
        if (usage is not null)
        {
            chunk["usage"] = usage;
        }
        return chunk;
    }

    private static async Task WriteChunkAsync(HttpContext http, JsonObject chunk)
    {
        await http.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", Encoding.UTF8);
        await http.Response.Body.FlushAsync();
    }

    /// <summary>The request's messages (role, content as text, tool calls) in order.</summary>
    public static IReadOnlyList<JsonObject> Messages(JsonObject request) =>
        request["messages"]!.AsArray().Select(m => m!.AsObject()).ToList();

    /// <summary>A message's text content (string content or the text parts of an array).</summary>
    public static string Content(JsonObject message) => message["content"] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonArray parts => string.Concat(parts.Select(p => (string?)p?["text"] ?? "")),
        _ => "",
    };

    /// <summary>The offered tool whose name is <paramref name="function"/> or ends with it after a plugin prefix ("orders-…", "orders_…").</summary>
    public static string? ToolName(JsonObject request, string function) =>
        (request["tools"] as JsonArray ?? []).Select(t => (string?)t?["function"]?["name"])
            .FirstOrDefault(n => n is not null && (n == function || n.EndsWith("-" + function, StringComparison.Ordinal) || n.EndsWith("_" + function, StringComparison.Ordinal) || n.EndsWith("." + function, StringComparison.Ordinal)));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
