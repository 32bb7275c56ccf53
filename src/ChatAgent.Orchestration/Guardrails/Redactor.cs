using System.Text.RegularExpressions;

namespace ChatAgent.Orchestration.Guardrails;

/// <summary>Masks personal data (emails, card numbers, phone numbers, street addresses) before text reaches logs or traces.</summary>
public static partial class Redactor
{
    public static string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? "";
        }
        var s = Email().Replace(text, "[email]");
        s = Card().Replace(s, "[card]");
        s = Phone().Replace(s, "[phone]");
        s = Street().Replace(s, "[address]");
        return s;
    }

    [GeneratedRegex(@"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")]
    private static partial Regex Email();

    // 13–19 digits in groups: card numbers (checked before phones, which are shorter).
    [GeneratedRegex(@"\b(?:\d[ \-]?){12,18}\d\b")]
    private static partial Regex Card();

    [GeneratedRegex(@"(?<![\w#])(?:\+?\d{1,3}[ .\-]?)?(?:\(\d{3}\)|\d{3})[ .\-]\d{3}[ .\-]\d{4}\b")]
    private static partial Regex Phone();

    [GeneratedRegex(@"\b\d{1,6}\s+(?:[A-Z][a-z]+\s+){1,4}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy)\b\.?", RegexOptions.IgnoreCase)]
    private static partial Regex Street();
}
