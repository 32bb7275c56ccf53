using System.Text.Json.Nodes;

namespace ChatAgent.Orchestration.State;

/// <summary>One choice the bot offered as a button: what the customer sees and the value it stands for.</summary>
public sealed record OfferedChoice(string Title, string Value);

/// <summary>
/// What the bot asked and is waiting for: the slot, the kind of answer it expects, the choices it offered, and the
/// question itself (asked again when the flow resumes after a digression).
/// </summary>
public sealed record WaitingFor(string Slot, string Kind, IReadOnlyList<OfferedChoice> Choices, string Question = "")
{
    public JsonObject ToJson() => new()
    {
        ["slot"] = Slot,
        ["kind"] = Kind,
        ["question"] = Question,
        ["choices"] = new JsonArray([.. Choices.Select(c => (JsonNode)new JsonObject { ["title"] = c.Title, ["value"] = c.Value })]),
    };

    public static WaitingFor? FromJson(JsonNode? node) => node is JsonObject o && o["slot"]?.GetValue<string>() is { } slot
        ? new WaitingFor(slot, o["kind"]?.GetValue<string>() ?? slot,
            (o["choices"] as JsonArray ?? []).OfType<JsonObject>().Select(c => new OfferedChoice(c["title"]?.GetValue<string>() ?? "", c["value"]?.GetValue<string>() ?? "")).ToList(),
            o["question"]?.GetValue<string>() ?? "")
        : null;
}

/// <summary>One active task: the flow's name, the slots filled so far and what the bot is waiting for.</summary>
public sealed class DialogueFrame(string flow)
{
    public string Flow { get; set; } = flow;

    public Dictionary<string, string> Slots { get; } = new(StringComparer.Ordinal);

    public WaitingFor? Waiting { get; set; }

    public string? Slot(string name) => Slots.TryGetValue(name, out var v) && v.Length > 0 ? v : null;

    public JsonObject ToJson()
    {
        var slots = new JsonObject();
        foreach (var (k, v) in Slots)
        {
            slots[k] = v;
        }
        var o = new JsonObject { ["flow"] = Flow, ["slots"] = slots };
        if (Waiting is not null)
        {
            o["waiting"] = Waiting.ToJson();
        }
        return o;
    }

    public static DialogueFrame? FromJson(JsonNode? node)
    {
        if (node is not JsonObject o || o["flow"]?.GetValue<string>() is not { } flow)
        {
            return null;
        }
        var frame = new DialogueFrame(flow) { Waiting = WaitingFor.FromJson(o["waiting"]) };
        foreach (var (k, v) in o["slots"] as JsonObject ?? [])
        {
            if (v is JsonValue value && value.TryGetValue<string>(out var s))
            {
                frame.Slots[k] = s;
            }
        }
        return frame;
    }
}

/// <summary>A product the bot listed to the customer, so "the second one" can be resolved on the next turn.</summary>
public sealed record ListedProduct(string Id, string Name);

/// <summary>
/// The no-model dialogue state of one conversation: a stack of active flows (top = the task being talked about; the
/// ones below wait to be resumed after a digression) and the products last listed. It rides in each bot answer's
/// <c>channelData.chatagent.dialogue</c>, so it is stored with the transcript and survives restarts and host moves.
/// </summary>
public sealed class DialogueState
{
    public const string Key = "dialogue";
    private const int MaxDepth = 4;

    public List<DialogueFrame> Stack { get; } = [];

    public List<ListedProduct> Products { get; } = [];

    /// <summary>The listed product the customer last asked about ("is it in stock in blue?" refers to it).</summary>
    public string? Focus { get; set; }

    public DialogueFrame? Top => Stack.Count == 0 ? null : Stack[^1];

    /// <summary>The frame below the top one, waiting to be resumed.</summary>
    public DialogueFrame? Below => Stack.Count < 2 ? null : Stack[^2];

    public DialogueFrame Push(string flow)
    {
        var frame = new DialogueFrame(flow);
        Stack.Add(frame);
        if (Stack.Count > MaxDepth)
        {
            Stack.RemoveAt(0);
        }
        return frame;
    }

    public DialogueFrame? Pop()
    {
        var top = Top;
        if (top is not null)
        {
            Stack.RemoveAt(Stack.Count - 1);
        }
        return top;
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject { ["stack"] = new JsonArray([.. Stack.Select(f => (JsonNode)f.ToJson())]) };
        if (Focus is not null)
        {
            o["focus"] = Focus;
        }
        if (Products.Count > 0)
        {
            o["products"] = new JsonArray([.. Products.Select(p => (JsonNode)new JsonObject { ["id"] = p.Id, ["name"] = p.Name })]);
        }
        return o;
    }

    /// <summary>The state the latest bot answer carried (empty when none, or when it came from the model path).</summary>
    public static DialogueState From(JsonObject? botState)
    {
        var state = new DialogueState();
        if (botState?[Key] is not JsonObject o)
        {
            return state;
        }
        foreach (var frame in (o["stack"] as JsonArray ?? []).Select(DialogueFrame.FromJson).OfType<DialogueFrame>())
        {
            state.Stack.Add(frame);
        }
        state.Focus = o["focus"]?.GetValue<string>();
        foreach (var p in (o["products"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (p["id"]?.GetValue<string>() is { } id)
            {
                state.Products.Add(new ListedProduct(id, p["name"]?.GetValue<string>() ?? id));
            }
        }
        return state;
    }
}
