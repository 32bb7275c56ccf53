namespace ChatAgent.Shop.Plugins;

/// <summary>
/// Makes a plugin function reachable in no-model mode: the intent classifier learns <see cref="Examples"/> as the
/// intent <see cref="Intent"/>, and when a customer's message is classified as it, the intent engine calls the function,
/// filling its parameters from what the message says (or asking for what is missing), and answers with
/// <see cref="Reply"/>. Put it on a <c>[KernelFunction]</c> method of a <c>[ChatAgentPlugin]</c> class.
/// </summary>
/// <example>
/// <code>
/// [KernelFunction("get_store_hours"), Description("Gets the opening hours.")]
/// [NoModelIntent("store_hours", "when are you open", "what are your opening hours", "what time do you close",
///     Reply = "Our customer service is open {hours}. You can call us on {phone}.")]
/// public string GetStoreHours() => ...
/// </code>
/// </example>
/// <param name="intent">The intent's name (letters, digits, underscores), unique across plugins.</param>
/// <param name="examples">Example utterances (give at least five; one with a typo helps).</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class NoModelIntentAttribute(string intent, params string[] examples) : Attribute
{
    public string Intent { get; } = intent;

    public IReadOnlyList<string> Examples { get; } = examples;

    /// <summary>
    /// The answer, with <c>{field}</c> placeholders for top-level fields of the function's JSON result (booleans read
    /// as yes/no). A reply template key <c>plugin.&lt;intent&gt;</c> in <c>prompts/replies/*.txt</c> overrides it. Without
    /// either, the result's fields are listed readably.
    /// </summary>
    public string? Reply { get; init; }

    /// <summary>
    /// How parameters are filled, as <c>parameter=kind</c> pairs separated by <c>;</c>. Kinds: <c>weekday</c>,
    /// <c>hour</c>, <c>number</c>, <c>order_id</c>, <c>email</c>, <c>text</c> (the whole answer to the bot's question).
    /// A parameter not listed is read by its name when it is one of these kinds, else as <c>text</c>.
    /// </summary>
    public string? Slots { get; init; }

    /// <summary>True when the function needs a verified customer (the bot verifies first, as for orders).</summary>
    public bool RequiresVerifiedCustomer { get; init; }
}
