using System.Text.RegularExpressions;
using ChatAgent.Orchestration.NoModel;

namespace ChatAgent.Orchestration.Intents;

/// <summary>
/// Corrects typos against the shop's own vocabulary (the intent examples, plugin examples, and product names):
/// "wher is my ordr" → "where is my order", "cancle" → "cancel", "retrun polcy" → "return policy". A word is changed
/// only when it is not in the vocabulary and one known word is one edit away (two for long words); ties go to the word
/// used most often. The engine classifies the corrected text when the original was not understood confidently.
/// </summary>
public sealed partial class TypoCorrector
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);

    public TypoCorrector(IEnumerable<string> sentences)
    {
        foreach (var word in sentences.SelectMany(Words))
        {
            _counts[word] = _counts.GetValueOrDefault(word) + 1;
        }
        // Words people use around orders that the examples may not hold.
        foreach (var word in "where order orders cancel return returns refund refunds policy shipping delivery tracking package parcel address status payment invoice exchange account password product products price stock available".Split(' '))
        {
            _counts[word] = _counts.GetValueOrDefault(word) + 5;
        }
    }

    public int VocabularySize => _counts.Count;

    /// <summary>The text with unknown words replaced by their nearest known word; the same text when nothing changed.</summary>
    public string Correct(string text) => WordPattern().Replace(text, m =>
    {
        var word = m.Value.ToLowerInvariant();
        if (word.Length < 4 || _counts.ContainsKey(word) || word.Any(char.IsDigit))
        {
            return m.Value;
        }
        var limit = word.Length >= 7 ? 2 : 1;
        string? best = null;
        var bestDistance = int.MaxValue;
        var bestCount = 0;
        foreach (var (known, count) in _counts)
        {
            if (known.Length < 3 || Math.Abs(known.Length - word.Length) > limit)
            {
                continue;
            }
            var d = ReferenceResolver.Distance(word, known);
            if (d <= limit && (d < bestDistance || d == bestDistance && count > bestCount))
            {
                (best, bestDistance, bestCount) = (known, d, count);
            }
        }
        return best ?? m.Value;
    });

    private static IEnumerable<string> Words(string sentence) => WordPattern().Matches(sentence.ToLowerInvariant()).Select(m => m.Value);

    [GeneratedRegex(@"[\p{L}']+")]
    private static partial Regex WordPattern();
}
