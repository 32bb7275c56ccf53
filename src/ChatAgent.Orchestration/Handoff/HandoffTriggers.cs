using System.Text.RegularExpressions;

namespace ChatAgent.Orchestration.Handoff;

/// <summary>Why a conversation went to a human.</summary>
public static class HandoffReasons
{
    public const string CustomerAsked = "customer asked for a person";
    public const string Frustration = "customer is frustrated";
    public const string OutOfPolicy = "request outside the shop's policy";
    public const string RepeatedFailure = "the bot failed the same request repeatedly";
    public const string ToolErrors = "repeated errors from the shop's systems";
    public const string VerificationLocked = "verification attempts used up";
    public const string ModelRequested = "the assistant handed over";
    public const string Unsure = "the bot could not understand the request";
}

/// <summary>
/// Handoff triggers that live in code, so they fire whatever the model does: asking for a person (in many phrasings),
/// signs of frustration, and requests the policy does not allow the bot to grant.
/// </summary>
public static partial class HandoffTriggers
{
    /// <summary>The reason to hand over because of what this one message says, or null.</summary>
    public static string? FromMessage(string text)
    {
        if (AsksForHuman(text))
        {
            return HandoffReasons.CustomerAsked;
        }
        if (IsFrustrated(text))
        {
            return HandoffReasons.Frustration;
        }
        return IsOutOfPolicy(text) ? HandoffReasons.OutOfPolicy : null;
    }

    public static bool AsksForHuman(string text)
    {
        var t = Normalise(text);
        if (NotAPerson().IsMatch(t))
        {
            return false;
        }
        return HumanNoun().IsMatch(t) && (Request().IsMatch(t) || t.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= 4)
            || NotABot().IsMatch(t)
            || Escalate().IsMatch(t)
            || TalkToSomeone().IsMatch(t);
    }

    public static bool IsFrustrated(string text)
    {
        var t = Normalise(text);
        var letters = text.Where(char.IsLetter).ToArray();
        var shouting = letters.Length >= 12 && letters.Count(char.IsUpper) >= letters.Length * 0.8;
        return shouting || Frustrated().IsMatch(t) || text.Contains("!!!", StringComparison.Ordinal) && Negative().IsMatch(t);
    }

    public static bool IsOutOfPolicy(string text) => OutOfPolicyRequest().IsMatch(Normalise(text));

    private static string Normalise(string text) => " " + WhiteSpace().Replace(text.ToLowerInvariant().Replace('’', '\''), " ").Trim() + " ";

    [GeneratedRegex(@"\b(?:human|humans|person|agent|agents|representative|rep|operator|staff|employee|manager|supervisor|customer (?:service|support|care)|support team|live (?:chat|agent|support)|real (?:one|person|human))\b")]
    private static partial Regex HumanNoun();

    [GeneratedRegex(@"\b(?:talk|speak|chat|connect|transfer|put me|get me|give me|let me|want|need|like|prefer|reach|contact|call|escalate|hand|pass|switch|is there|can i|could i|how do i|where|please|pls|plz)\b")]
    private static partial Regex Request();

    [GeneratedRegex(@"\b(?:not|no|stop|hate|done with|enough of|tired of|don't want|dont want)\s+(?:a |the |this |talking to a |talking to the |with a |with the )?(?:bot|robot|machine|ai|chatbot|automated)\b|\bare you (?:a )?(?:bot|robot|real)\b")]
    private static partial Regex NotABot();

    [GeneratedRegex(@"\b(?:talk|speak|chat|connect me|put me through|get me through)\s+(?:to|with)\s+(?:someone|somebody|anyone|a real|a live|one of you|your team|a member)")]
    private static partial Regex TalkToSomeone();

    [GeneratedRegex(@"\b(?:escalate|escalation|call me back|phone me|ring me)\b")]
    private static partial Regex Escalate();

    [GeneratedRegex(@"\b(?:don't|dont|do not|no need to|not)\s+(?:want|need)\s+(?:to\s+)?(?:talk|speak|chat)?\s*(?:to|with)?\s*(?:a |an )?(?:human|person|agent)\b")]
    private static partial Regex NotAPerson();

    [GeneratedRegex(@"\b(?:useless|ridiculous|unacceptable|terrible|awful|horrible|pathetic|furious|angry|fed up|sick of|frustrat\w*|annoy\w*|waste of (?:my )?time|worst|disgust\w*|outrage\w*|wtf|fuck\w*|shit\w*|damn it|stupid bot|you're not helping|you are not helping|not helpful|going in circles|this is a joke|i give up)\b")]
    private static partial Regex Frustrated();

    [GeneratedRegex(@"\b(?:no|not|never|bad|wrong|late|again)\b")]
    private static partial Regex Negative();

    [GeneratedRegex(@"\b(?:compensation|compensate|discount code|give me a discount|price match|price adjustment|refund (?:without|but keep)|keep (?:it|the item) and (?:get|have) a refund|chargeback|lawyer|legal action|sue you|small claims|ship (?:it )?to (?:another|a different) country|international shipping to|cancel (?:a |my |the )?delivered|change (?:the )?price|free (?:item|product|upgrade)|waive|exception to (?:the|your) policy|extend (?:the )?return window|after (?:the )?(?:30|thirty) days)\b")]
    private static partial Regex OutOfPolicyRequest();

    [GeneratedRegex(@"\s+")]
    private static partial Regex WhiteSpace();
}
