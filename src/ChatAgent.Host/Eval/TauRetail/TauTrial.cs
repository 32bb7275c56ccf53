using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ChatAgent.Conversations.Activities;
using ChatAgent.Conversations.Store;
using ChatAgent.Host.Hosting;
using ChatAgent.Llm;
using ChatAgent.Llm.Hosting;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Host.Eval.TauRetail;

/// <summary>How one trial of one task ended.</summary>
public sealed record TrialOutcome(
    string TaskId,
    int Trial,
    int Reward,
    bool StoreMatches,
    IReadOnlyList<string> MissingOutputs,
    int CustomerMessages,
    string StopReason,
    double Seconds,
    double HostStartSeconds,
    double ConversationSeconds,
    long? AgentPromptTokens,
    long? AgentGeneratedTokens,
    long? AgentCachedTokens,
    string TranscriptPath);

/// <summary>
/// One trial: a fresh copy of the store, the real host on it (127.0.0.1, a random Direct Line secret, the configured
/// model, orchestrator and plugins), and the simulated customer talking to it over Direct Line until it writes
/// <see cref="UserSimulator.StopToken"/> or the turn limit. Then the store is compared with the task's expected state.
/// </summary>
public sealed class TauTrial(TauStore store, UserSimulator user, TauRetailEvalOptions options)
{
    /// <summary>Runs trial <paramref name="trial"/> (1-based) of <paramref name="task"/> and writes its transcript under the output folder.</summary>
    public async Task<TrialOutcome> RunAsync(TauTask task, int trial, GoldState gold, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        var file = store.Copy($"trial-{task.Id}-{trial}");
        var settings = TauStore.DatabaseSettings(file);
        settings["Urls"] = "http://127.0.0.1:0";
        settings["DirectLine:Secret"] = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        if (!options.HostArguments.Any(a => a.StartsWith("--Logging", StringComparison.OrdinalIgnoreCase)))
        {
            settings["Logging:LogLevel:Default"] = "Warning";
            settings["Logging:LogLevel:Microsoft"] = "Warning";
        }

        var messages = new JsonArray();
        var conversation = new List<(bool FromAgent, string Text)> { (true, UserSimulator.Greeting) };
        var stopReason = $"turn limit ({options.MaxTurns} customer messages)";
        var customerMessages = 0;
        long? prompt = null, generated = null, cached = null;
        StoreSnapshot final;
        double hostStart = 0, conversationEnd = 0;
        var app = ChatAgentApp.Create([.. options.HostArguments], b => b.Configuration.AddInMemoryCollection(settings));
        try
        {
            await ChatAgentApp.PrepareAsync(app, ct);
            await app.StartAsync(ct);
            hostStart = started.Elapsed.TotalSeconds;
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            var conversations = app.Services.GetRequiredService<ConversationStore>();
            using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromMinutes(2) };
            var conversationId = await StartConversationAsync(http, settings["DirectLine:Secret"]!, ct);
            long seen = 0;
            messages.Add(Message("assistant", UserSimulator.Greeting, "greeting given to the simulated customer (not sent by the bot)"));

            while (customerMessages < options.MaxTurns)
            {
                var text = await user.NextAsync(task.UserInstruction, conversation, ct);
                if (UserSimulator.IsStop(text))
                {
                    messages.Add(Message("user", text));
                    stopReason = "the customer ended the conversation";
                    break;
                }
                if (string.IsNullOrWhiteSpace(text))
                {
                    stopReason = "the simulated customer wrote nothing";
                    break;
                }
                conversation.Add((false, text));
                customerMessages++;
                var id = await SendAsync(http, conversationId, text, ct);
                var finished = await WaitForTurnAsync(conversations, conversationId, id, ct);
                var answer = new List<string>();
                foreach (var stored in await conversations.GetActivitiesAsync(conversationId, seen, 10_000, ct))
                {
                    seen = stored.Sequence;
                    var a = stored.Activity;
                    if (a.Type == ActivityTypes.Message && a.From?.Role == RoleTypes.User)
                    {
                        messages.Add(Message("user", a.Text ?? ""));
                    }
                    else if (a.Type == ActivityTypes.Message && !string.IsNullOrWhiteSpace(a.Text))
                    {
                        answer.Add(a.Text);
                        messages.Add(Message("assistant", a.Text));
                    }
                    else if (a.Type == ActivityTypes.Event && a.Name is TranscriptEvents.Tool or TranscriptEvents.Handoff)
                    {
                        messages.Add(new JsonObject { ["role"] = a.Name, ["value"] = a.Value?.DeepClone() });
                    }
                }
                if (!finished)
                {
                    stopReason = $"the bot did not finish a turn within {options.TurnTimeout.TotalSeconds:0} s";
                    break;
                }
                if ((await conversations.FindConversationAsync(conversationId, ct))?.Status is { } status && status != ConversationStatus.Active)
                {
                    stopReason = $"the conversation was handed to a person ({status})";
                    break;
                }
                conversation.Add((true, answer.Count > 0 ? string.Join("\n", answer) : "(no answer)"));
            }

            conversationEnd = started.Elapsed.TotalSeconds;
            if (app.Services.GetService<IChatModelInfo>()?.Mode == ChatModelMode.Local)
            {
                var counters = app.Services.GetRequiredService<LocalModel>().Counters;
                (prompt, generated, cached) = (counters.PromptTokensProcessed, counters.GeneratedTokens, counters.CachedTokensReused);
            }
            final = await StoreSnapshot.TakeAsync(app.Services.GetRequiredService<IDbContextFactory<ShopDbContext>>(), ct);
        }
        finally
        {
            if (hostStart > 0)
            {
                await app.StopAsync(CancellationToken.None);
            }
            await app.DisposeAsync();
            TauStore.DeleteDatabase(file);
        }

        var differences = final.Differences(gold.Snapshot);
        var said = string.Join("\n", conversation.Where(m => m.FromAgent).Skip(1).Select(m => m.Text)).Replace(",", "", StringComparison.Ordinal);
        var missing = task.Outputs.Where(o => !said.Contains(o.Replace(",", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase)).ToList();
        var reward = differences.Count == 0 && missing.Count == 0 ? 1 : 0;
        var path = Path.Combine(options.OutputFolder, $"task-{task.Id}-trial-{trial}.json");
        var transcript = new JsonObject
        {
            ["task_id"] = task.Id,
            ["trial"] = trial,
            ["reward"] = reward,
            ["store_matches"] = differences.Count == 0,
            ["store_hash"] = final.Hash,
            ["expected_store_hash"] = gold.Snapshot.Hash,
            ["store_differences"] = new JsonArray([.. differences.Select(d => (JsonNode)d)]),
            ["outputs"] = new JsonArray([.. task.Outputs.Select(o => (JsonNode)o)]),
            ["missing_outputs"] = new JsonArray([.. missing.Select(o => (JsonNode)o)]),
            ["expected_action_problems"] = new JsonArray([.. gold.Problems.Select(p => (JsonNode)p)]),
            ["stop_reason"] = stopReason,
            ["customer_messages"] = customerMessages,
            ["seconds"] = Math.Round(started.Elapsed.TotalSeconds, 1),
            ["seconds_host_start"] = Math.Round(hostStart, 1),
            ["seconds_conversation"] = Math.Round(conversationEnd - hostStart, 1),
            ["agent_model"] = options.AgentDescription,
            ["agent_tokens"] = prompt is null ? null : new JsonObject { ["prompt_processed"] = prompt, ["generated"] = generated, ["cached_reused"] = cached },
            ["user_model"] = user.Description,
            ["user_instruction"] = task.UserInstruction,
            ["expected_actions"] = new JsonArray([.. task.Actions.Select(a => (JsonNode)new JsonObject { ["name"] = a.Name, ["arguments"] = a.Arguments.DeepClone() })]),
            ["messages"] = messages,
        };
        await File.WriteAllTextAsync(path, transcript.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), ct);
        return new TrialOutcome(task.Id, trial, reward, differences.Count == 0, missing, customerMessages, stopReason, started.Elapsed.TotalSeconds, hostStart, conversationEnd - hostStart, prompt, generated, cached, path);
    }

    private static JsonObject Message(string role, string text, string? note = null)
    {
        var m = new JsonObject { ["role"] = role, ["text"] = text };
        if (note is not null)
        {
            m["note"] = note;
        }
        return m;
    }

    /// <summary>Starts a conversation as a shop's page does: a token from the secret, then the conversation.</summary>
    private static async Task<string> StartConversationAsync(HttpClient http, string secret, CancellationToken ct)
    {
        using var generate = new HttpRequestMessage(HttpMethod.Post, "/v3/directline/tokens/generate") { Content = JsonContent.Create(new { }) };
        generate.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        using var tokenResponse = await http.SendAsync(generate, ct);
        tokenResponse.EnsureSuccessStatusCode();
        var token = (await tokenResponse.Content.ReadFromJsonAsync<JsonObject>(ct))!["token"]!.GetValue<string>();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var start = await http.PostAsync("/v3/directline/conversations", null, ct);
        start.EnsureSuccessStatusCode();
        return (await start.Content.ReadFromJsonAsync<JsonObject>(ct))!["conversationId"]!.GetValue<string>();
    }

    private static async Task<string> SendAsync(HttpClient http, string conversationId, string text, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync($"/v3/directline/conversations/{conversationId}/activities",
            new { type = "message", text, from = new { id = "tau-customer", name = "Customer" } }, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Direct Line refused the customer's message ({(int)response.StatusCode}): {await response.Content.ReadAsStringAsync(ct)}");
        }
        return (await response.Content.ReadFromJsonAsync<JsonObject>(ct))!["id"]!.GetValue<string>();
    }

    /// <summary>Waits until the customer's message is no longer pending (the bot's turn is over and its answers stored).</summary>
    private async Task<bool> WaitForTurnAsync(ConversationStore conversations, string conversationId, string activityId, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < options.TurnTimeout)
        {
            var pending = await conversations.GetPendingTurnsAsync(conversationId, ct);
            if (pending.All(p => p.Activity.Id != activityId))
            {
                return true;
            }
            await Task.Delay(50, ct);
        }
        return false;
    }
}
