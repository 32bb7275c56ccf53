namespace ChatAgent.Orchestration.Guardrails;

/// <summary>What the bot reads of a customer message, or why it reads nothing.</summary>
public sealed record GuardedInput(string Text, string? Refusal);

/// <summary>Input limits: the bot answers only messages it can read sensibly.</summary>
public static class InputGuard
{
    public static GuardedInput Check(string? text, int maxCharacters)
    {
        var cleaned = new string((text ?? "").Where(c => !char.IsControl(c) || c is '\n' or '\t').ToArray()).Trim();
        if (cleaned.Length == 0)
        {
            return new GuardedInput("", "I didn't catch any text there. How can I help — an order, a product, or one of our policies?");
        }
        if (cleaned.Length > maxCharacters)
        {
            return new GuardedInput("", $"That message is too long for me to read ({cleaned.Length:N0} characters; the limit is {maxCharacters:N0}). Could you tell me in a sentence or two what you need?");
        }
        return new GuardedInput(cleaned, null);
    }
}
