using System.Globalization;
using System.Text.RegularExpressions;
using ChatAgent.Orchestration.State;
using ChatAgent.Shop;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Orchestration.NoModel;

/// <summary>One line of a customer's order, as the resolvers see it.</summary>
public sealed record ItemFacts(string ItemId, string Name, decimal Price, IReadOnlyDictionary<string, string> Options)
{
    public string Describe() => Options.Count == 0 ? Name : $"{Name} ({string.Join(", ", Options.Values)})";
}

/// <summary>One of the verified customer's orders, as the resolvers see it.</summary>
public sealed record OrderFacts(string Id, OrderStatus Status, DateTimeOffset CreatedAt, decimal Total, IReadOnlyList<ItemFacts> Items, IReadOnlyList<string> TrackingIds)
{
    public string Title => $"{Id} · {string.Join(", ", Items.Select(i => i.Name).Distinct().Take(3))}{(Items.Select(i => i.Name).Distinct().Count() > 3 ? ", …" : "")} ({Status.ToDisplay()})";
}

/// <summary>How a reference came out: nothing referred to, exactly one match, several, or none of the customer's.</summary>
public enum ResolutionKind
{
    NoReference,
    Unique,
    Ambiguous,
    None,
}

/// <summary>The outcome of resolving a reference: never a guess — one match, the candidates, or nothing.</summary>
public sealed record Resolution<T>(ResolutionKind Kind, IReadOnlyList<T> Matches)
{
    public static Resolution<T> NoReference { get; } = new(ResolutionKind.NoReference, []);

    public T Single => Matches[0];

    public static Resolution<T> Of(IReadOnlyList<T> matches) =>
        new(matches.Count switch { 0 => ResolutionKind.None, 1 => ResolutionKind.Unique, _ => ResolutionKind.Ambiguous }, matches);
}

/// <summary>Reads the verified customer's own orders (only theirs: the owner is part of the query).</summary>
public sealed class CustomerOrders(IDbContextFactory<ShopDbContext> dbFactory)
{
    public async Task<IReadOnlyList<OrderFacts>> ForCustomerAsync(string customerId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        var orders = await db.Orders.AsNoTracking().Include(o => o.Items).Include(o => o.Fulfillments).AsSplitQuery()
            .Where(o => o.CustomerId == customerId).ToListAsync(ct);
        return orders.OrderByDescending(o => o.CreatedAt).ThenBy(o => o.Id, StringComparer.Ordinal)
            .Select(o => new OrderFacts(o.Id, o.Status, o.CreatedAt, o.Total,
                o.Items.OrderBy(i => i.Line).Select(i => new ItemFacts(i.ItemId, i.Name, i.Price, i.Options)).ToList(),
                o.Fulfillments.SelectMany(f => f.TrackingIds).ToList()))
            .ToList();
    }

    /// <summary>The customer's payment methods, by id.</summary>
    public async Task<IReadOnlyDictionary<string, PaymentMethod>> PaymentMethodsAsync(string customerId, CancellationToken ct)
    {
        await using var db = await dbFactory.CreateDbContextAsync(ct);
        return await db.Set<PaymentMethod>().AsNoTracking().Where(p => p.CustomerId == customerId).ToDictionaryAsync(p => p.Id, StringComparer.OrdinalIgnoreCase, ct);
    }
}

/// <summary>
/// Resolves what a customer says ("the sleeping bag order", "my last order", "the pending one", "the one from March",
/// "the second one", "the blue one") against their own orders and items, by string similarity on product names and
/// options (typos tolerated), status words, months and positions. Returns <see cref="ResolutionKind.NoReference"/> when
/// the message names nothing of the kind, so a flow can ask instead of guessing.
/// </summary>
public static partial class ReferenceResolver
{
    private static readonly string[] Ordinals = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"];
    private static readonly string[] ShortOrdinals = ["1st", "2nd", "3rd", "4th", "5th", "6th", "7th", "8th"];

    public static Resolution<OrderFacts> Orders(string text, IReadOnlyList<OrderFacts> orders, IReadOnlyList<OfferedChoice>? offered = null)
    {
        var t = Normalise(text);
        // A button the bot offered, pressed or typed back.
        if (offered is { Count: > 0 } && offered.FirstOrDefault(c => Same(t, c.Value) || Same(t, c.Title)) is { } pressed && orders.FirstOrDefault(o => o.Id == pressed.Value) is { } byButton)
        {
            return Resolution<OrderFacts>.Of([byButton]);
        }
        var pool = orders;
        var offeredOrders = offered?.Select(c => orders.FirstOrDefault(o => o.Id == c.Value)).OfType<OrderFacts>().ToList() ?? [];
        if (Position(t) is { } index)
        {
            var list = offeredOrders.Count > 0 ? offeredOrders : orders;
            return index < list.Count ? Resolution<OrderFacts>.Of([list[index]]) : Resolution<OrderFacts>.Of([]);
        }
        if (LatestWords().IsMatch(t))
        {
            return orders.Count == 0 ? Resolution<OrderFacts>.Of([]) : Resolution<OrderFacts>.Of([orders[0]]);
        }
        if (OldestWords().IsMatch(t))
        {
            return orders.Count == 0 ? Resolution<OrderFacts>.Of([]) : Resolution<OrderFacts>.Of([orders[^1]]);
        }

        // Product names and options first; status and month narrow the matches only when something is left.
        var statuses = StatusIn(t);
        var month = MonthIn(t);
        bool Filter(OrderFacts o) => (statuses is null || statuses.Contains(o.Status)) && (month is null || o.CreatedAt.Month == month);
        var words = ContentWords(t);
        if (words.Count > 0)
        {
            var scored = pool.Select(o => (Order: o, Score: o.Items.Select(i => ItemScore(words, i)).DefaultIfEmpty(0).Max())).Where(s => s.Score > 0).ToList();
            if (scored.Count > 0)
            {
                var best = scored.Max(s => s.Score);
                var top = scored.Where(s => s.Score == best).Select(s => s.Order).ToList();
                var narrowed = top.Where(Filter).ToList();
                return Resolution<OrderFacts>.Of(narrowed.Count > 0 ? narrowed : top);
            }
            if (NamesSomething(words, orders))
            {
                return Resolution<OrderFacts>.Of([]);
            }
        }
        return statuses is not null || month is not null ? Resolution<OrderFacts>.Of(pool.Where(Filter).ToList()) : Resolution<OrderFacts>.NoReference;
    }

    /// <summary>Items of one order the customer means: "all", a position, names or options ("the blue one", "the kettle").</summary>
    public static Resolution<ItemFacts> Items(string text, IReadOnlyList<ItemFacts> items, IReadOnlyList<OfferedChoice>? offered = null)
    {
        var t = Normalise(text);
        if (AllWords().IsMatch(t) || items.Count == 2 && BothWord().IsMatch(t))
        {
            return new Resolution<ItemFacts>(ResolutionKind.Unique, items);
        }
        var byId = ItemIdPattern().Matches(t).Select(m => items.FirstOrDefault(i => i.ItemId == m.Value)).OfType<ItemFacts>().ToList();
        if (byId.Count > 0)
        {
            return new Resolution<ItemFacts>(ResolutionKind.Unique, byId);
        }
        if (offered is { Count: > 0 } && offered.FirstOrDefault(c => Same(t, c.Value) || Same(t, c.Title)) is { } pressed && items.FirstOrDefault(i => i.ItemId == pressed.Value) is { } button)
        {
            return new Resolution<ItemFacts>(ResolutionKind.Unique, [button]);
        }
        if (Position(t) is { } index)
        {
            return index < items.Count ? new Resolution<ItemFacts>(ResolutionKind.Unique, [items[index]]) : Resolution<ItemFacts>.Of([]);
        }
        var words = ContentWords(t);
        if (words.Count == 0)
        {
            return Resolution<ItemFacts>.NoReference;
        }
        // Several items may be named at once ("the kettle and the lamp"): each name picks its best-matching items.
        var scored = items.Select(i => (Item: i, Score: ItemScore(words, i))).Where(s => s.Score > 0).ToList();
        if (scored.Count == 0)
        {
            return Resolution<ItemFacts>.NoReference;
        }
        var chosen = new List<ItemFacts>();
        var ambiguous = false;
        foreach (var word in words)
        {
            var hits = scored.Where(s => ItemScore([word], s.Item) > 0).ToList();
            if (hits.Count == 0)
            {
                continue;
            }
            var best = hits.Max(h => ItemScore(words, h.Item));
            var top = hits.Where(h => ItemScore(words, h.Item) == best).Select(h => h.Item).ToList();
            if (top.Count > 1 && top.Select(i => i.ItemId).Distinct().Count() > 1)
            {
                ambiguous = true;
            }
            chosen.AddRange(top.Where(i => !chosen.Contains(i)));
        }
        var maxScore = scored.Max(s => s.Score);
        var strongest = scored.Where(s => s.Score == maxScore).Select(s => s.Item).ToList();
        if (ambiguous && strongest.Count == 1)
        {
            return new Resolution<ItemFacts>(ResolutionKind.Unique, strongest);
        }
        return ambiguous ? new Resolution<ItemFacts>(ResolutionKind.Ambiguous, chosen) : new Resolution<ItemFacts>(ResolutionKind.Unique, chosen);
    }

    /// <summary>A position the customer named: "the second one", "2nd", "number 3", "#2", or just "2".</summary>
    public static int? Position(string normalised)
    {
        for (var i = 0; i < Ordinals.Length; i++)
        {
            if (Regex.IsMatch(normalised, $@"\b(?:{Ordinals[i]}|{ShortOrdinals[i]})\b(?!\s+(?:name|time))"))
            {
                return i;
            }
        }
        var m = NumberWord().Match(normalised);
        return m.Success && int.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 9 ? n - 1 : null;
    }

    internal static string Normalise(string text) => " " + Regex.Replace(text.ToLowerInvariant().Replace('’', '\''), @"[^\p{L}\p{N}#'\-\.]+", " ").Replace(". ", " ").Trim().TrimEnd('.') + " ";

    private static bool Same(string normalised, string value) => normalised.Trim() == Normalise(value).Trim();

    /// <summary>Words that can name a product or an option: not stop words, not verbs of the flows.</summary>
    internal static List<string> ContentWords(string normalised) =>
        normalised.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Trim('.', '-', '\''))
            .Where(w => w.Length >= 2 && !StopWords.Contains(w) && !w.StartsWith('#')).Distinct().ToList();

    private static int ItemScore(IReadOnlyList<string> words, ItemFacts item)
    {
        var nameWords = Normalise(item.Name).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var optionWords = item.Options.Values.SelectMany(v => Normalise(v).Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var score = 0;
        foreach (var w in words)
        {
            if (nameWords.Any(n => Similar(w, n)))
            {
                score += 2;
            }
            else if (optionWords.Any(o => o.Length >= 2 && Similar(w, o)))
            {
                score += 1;
            }
        }
        return score;
    }

    /// <summary>True when a message word names a product or option in the customer's orders at all.</summary>
    private static bool NamesSomething(IReadOnlyList<string> words, IReadOnlyList<OrderFacts> orders) =>
        words.Any(w => orders.SelectMany(o => o.Items).Any(i => ItemScore([w], i) > 0)) || words.Any(w => w.Length >= 4 && ProductNouns.Contains(w));

    /// <summary>Equal, a plural, or one edit apart for words of five letters or more (typos: "sleepng", "kettel").</summary>
    public static bool Similar(string a, string b)
    {
        if (a == b || a.Length >= 3 && (a + "s" == b || b + "s" == a || a + "es" == b || b + "es" == a))
        {
            return true;
        }
        return a.Length >= 5 && b.Length >= 5 && Math.Abs(a.Length - b.Length) <= 1 && Distance(a, b) <= 1;
    }

    /// <summary>Optimal string alignment distance (Levenshtein plus adjacent transpositions).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }

    private static HashSet<OrderStatus>? StatusIn(string t)
    {
        var set = new HashSet<OrderStatus>();
        if (Regex.IsMatch(t, @"\b(?:pending|not (?:yet )?shipped|hasn't shipped|unshipped|open)\b")) set.UnionWith([OrderStatus.Pending, OrderStatus.PendingItemsModified]);
        if (Regex.IsMatch(t, @"\b(?:processed|processing|being prepared)\b")) set.Add(OrderStatus.Processed);
        if (Regex.IsMatch(t, @"\b(?:the delivered|delivered one|delivered order|that arrived|one that came)\b")) set.Add(OrderStatus.Delivered);
        if (Regex.IsMatch(t, @"\b(?:cancelled|canceled)\b")) set.Add(OrderStatus.Cancelled);
        return set.Count == 0 ? null : set;
    }

    private static int? MonthIn(string t)
    {
        var names = CultureInfo.InvariantCulture.DateTimeFormat.MonthNames;
        for (var m = 0; m < 12; m++)
        {
            var full = names[m].ToLowerInvariant();
            // "may" is also a verb: only "in May", "from May", "May order" count.
            var pattern = full == "may" ? @"\b(?:in|from|of|during|since) may\b" : $@"\b(?:{full}|{full[..3]})\b";
            if (Regex.IsMatch(t, pattern))
            {
                return m + 1;
            }
        }
        return null;
    }

    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "my", "me", "i", "i'm", "im", "it", "its", "it's", "is", "was", "one", "ones", "order", "orders", "ordered", "purchase", "that", "this", "with", "and", "or", "of", "for", "to", "in", "on",
        "from", "please", "pls", "want", "would", "like", "need", "can", "could", "you", "your", "cancel", "cancle", "return", "retrun", "refund", "exchange", "change", "where", "wher", "what", "which", "status", "track", "tracking",
        "thing", "stuff", "item", "items", "product", "bought", "got", "get", "no", "not", "yes", "yeah", "the", "do", "did", "does", "have", "had", "has", "be", "been", "am", "are", "just", "about", "there", "here", "oh", "ok",
        "okay", "sorry", "other", "another", "mean", "meant", "actually", "instead", "those", "these", "them", "they", "we", "our", "us", "all", "both", "everything", "longer", "needed", "mistake", "by", "accident", "accidentally",
        "send", "back", "sent", "ship", "shipped", "shipping", "deliver", "delivered", "arrive", "arrived", "when", "will", "how", "why", "who", "hi", "hello", "hey", "thanks", "thank", "last", "latest", "recent", "most", "first",
        "second", "third", "new", "newest", "older", "oldest", "pending", "processed", "cancelled", "canceled", "ordr", "oder", "ordrer", "at", "as", "if", "so", "some", "any", "let", "lets", "let's", "go", "also", "too", "then",
        "now", "still", "yet", "up", "out", "off", "guess", "think", "number", "id", "placed", "made", "bought", "buy", "myself", "mine", "address", "email", "zip", "name", "wrong", "right", "correct", "same", "different",
        "month", "week", "day", "days", "ago", "yesterday", "today", "march", "april", "june", "july", "august", "september", "october", "november", "december", "january", "february", "earlier", "before", "after", "never", "mind",
        "don't", "dont", "didn't", "not", "anymore", "money", "refunded", "gift", "card", "original", "payment", "method", "paypal", "credit", "via", "using", "use", "way", "kind", "type", "sort",
    };

    // Words that plainly name a product even when the customer's orders hold none ("the laptop one" for a customer with no laptop).
    private static readonly HashSet<string> ProductNouns = new(StringComparer.Ordinal)
    {
        "laptop", "phone", "tablet", "camera", "shoes", "boots", "jacket", "shirt", "sweater", "kettle", "blender", "lamp", "chair", "desk", "bike", "helmet", "watch", "headphones", "earbuds", "speaker", "keyboard", "mouse",
        "bag", "bottle", "mug", "knife", "vacuum", "purifier", "tent", "stove", "wallet", "game", "puzzle", "dryer", "toothbrush", "thermostat", "hose", "blanket", "sheets", "candle", "mat", "dumbbells", "grill", "backpack",
    };

    [GeneratedRegex(@"\b(?:last(?!\s+name)|latest|newest|most recent|recent)\b")]
    private static partial Regex LatestWords();

    [GeneratedRegex(@"\b(?:oldest|earliest|older)(?: one| order)?\b")]
    private static partial Regex OldestWords();

    [GeneratedRegex(@"\b(?:all|everything|whole order|all of them|all items|the lot)\b")]
    private static partial Regex AllWords();

    [GeneratedRegex(@"\bboth\b")]
    private static partial Regex BothWord();

    [GeneratedRegex(@"\b\d{10}\b")]
    private static partial Regex ItemIdPattern();

    [GeneratedRegex(@"^\s*(?:number\s+|no\.?\s*|#|option\s+)?([1-9])\s*$")]
    private static partial Regex NumberWord();
}
