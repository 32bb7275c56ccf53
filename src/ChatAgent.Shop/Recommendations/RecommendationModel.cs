using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace ChatAgent.Shop.Recommendations;

/// <summary>Tuning of <see cref="RecommendationModel"/>; the defaults were chosen on the Online Retail log (see the evaluation).</summary>
public sealed record RecommenderSettings
{
    /// <summary>Neighbours kept per product for "also bought" and "bought together".</summary>
    public int Neighbours { get; init; } = 100;

    /// <summary>
    /// Only each customer's most recent distinct products count towards "also bought": wholesale buyers with
    /// thousands of products would otherwise dominate the pair counts (and cost quadratic time).
    /// </summary>
    public int MaxProductsPerCustomer { get; init; } = 80;

    /// <summary>Largest basket counted for "bought together" (bigger ones are trimmed to their first lines).</summary>
    public int MaxProductsPerOrder { get; init; } = 60;

    /// <summary>Half-life in days of a purchase's weight, for popularity and for a customer's own history.</summary>
    public double HalfLifeDays { get; init; } = 60;

    /// <summary>Weight of "customers who bought your products also bought".</summary>
    public double AlsoBoughtWeight { get; init; } = 1.0;

    /// <summary>Orders a product must have been in before "buy again" suggests it: one purchase is no sign of a habit.</summary>
    public int MinRepeatOrders { get; init; } = 2;

    /// <summary>Weight of "you bought this before" (repeat purchases are common in many shops).</summary>
    public double BuyAgainWeight { get; init; } = 1.0;

    /// <summary>Weight of description similarity to the customer's history.</summary>
    public double ContentWeight { get; init; } = 0.3;

    /// <summary>Weight of recent popularity, which breaks ties and fills short lists.</summary>
    public double PopularityWeight { get; init; } = 0.15;

    /// <summary>
    /// Products the EASE matrix covers (the most bought; 0 = no EASE, "also bought" neighbours instead). Building costs
    /// O(n³): ~2,000 products take seconds.
    /// </summary>
    public int EaseMaxItems { get; init; } = 1500;

    /// <summary>EASE's L2 regularisation λ (larger: smoother, more popular picks).</summary>
    public double EaseLambda { get; init; } = 300;
}

/// <summary>
/// In-memory recommenders learned from purchases (and optional description vectors): similar items, frequently
/// bought together, personal picks, popularity; plus the plain item-kNN and popularity baselines the evaluation
/// compares against. Immutable once built, so one instance serves concurrent callers; rebuild to pick up new orders.
/// </summary>
public sealed class RecommendationModel
{
    private readonly string[] _items;
    private readonly Dictionary<string, int> _index;
    private readonly double[] _recentPopularity;
    private readonly int[] _buyers;
    private readonly Neighbour[][] _alsoBought;
    private readonly Neighbour[][] _together;
    private readonly float[]? _vectors;
    private readonly bool[] _hasVector;
    private readonly int _dimensions;
    private readonly int[] _byRecentPopularity;
    private readonly int[] _byBuyers;
    private EaseModel? _ease;

    private readonly record struct Neighbour(int Item, float Score);

    private RecommendationModel(RecommenderSettings settings, string[] items, Dictionary<string, int> index, double[] recentPopularity, int[] buyers,
        Neighbour[][] alsoBought, Neighbour[][] together, float[]? vectors, bool[] hasVector, int dimensions, DateTime latest)
    {
        Settings = settings;
        _items = items;
        _index = index;
        _recentPopularity = recentPopularity;
        _buyers = buyers;
        _alsoBought = alsoBought;
        _together = together;
        _vectors = vectors;
        _hasVector = hasVector;
        _dimensions = dimensions;
        LatestPurchase = latest;
        _byRecentPopularity = Enumerable.Range(0, items.Length).Where(i => recentPopularity[i] > 0).OrderByDescending(i => recentPopularity[i]).ToArray();
        _byBuyers = Enumerable.Range(0, items.Length).Where(i => buyers[i] > 0).OrderByDescending(i => buyers[i]).ToArray();
    }

    public RecommenderSettings Settings { get; }

    /// <summary>Products the model knows (bought at least once or with a description vector).</summary>
    public int ProductCount => _items.Length;

    /// <summary>Time of the newest purchase learned from.</summary>
    public DateTime LatestPurchase { get; }

    /// <summary>Learns from <paramref name="purchases"/>; <paramref name="contentVectors"/> (unit length, per product) adds description similarity.</summary>
    public static RecommendationModel Build(IEnumerable<Purchase> purchases, IReadOnlyDictionary<string, float[]>? contentVectors = null, RecommenderSettings? settings = null)
    {
        settings ??= new RecommenderSettings();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var items = new List<string>();
        int Intern(string key)
        {
            if (!index.TryGetValue(key, out var i))
            {
                i = items.Count;
                index[key] = i;
                items.Add(key);
            }
            return i;
        }

        var customers = new Dictionary<string, Dictionary<int, DateTime>>(StringComparer.Ordinal);
        var orders = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var latest = DateTime.MinValue;
        foreach (var p in purchases)
        {
            var item = Intern(p.ProductKey);
            if (!customers.TryGetValue(p.CustomerKey, out var bought))
            {
                customers[p.CustomerKey] = bought = [];
            }
            bought[item] = bought.TryGetValue(item, out var last) && last > p.At ? last : p.At;
            if (!orders.TryGetValue(p.OrderKey, out var basket))
            {
                orders[p.OrderKey] = basket = [];
            }
            if (!basket.Contains(item))
            {
                basket.Add(item);
            }
            if (p.At > latest)
            {
                latest = p.At;
            }
        }

        var dimensions = 0;
        if (contentVectors is not null)
        {
            foreach (var (key, vector) in contentVectors)
            {
                Intern(key);
                dimensions = vector.Length;
            }
        }

        var n = items.Count;
        var buyers = new int[n];
        var recent = new double[n];
        foreach (var bought in customers.Values)
        {
            foreach (var (item, at) in bought)
            {
                buyers[item]++;
                recent[item] += Decay(latest - at, settings.HalfLifeDays);
            }
        }

        // Customer-level co-occurrence, cosine-normalised: "customers who bought i also bought j".
        var customerSets = customers.Values
            .Select(b => b.OrderByDescending(kv => kv.Value).Take(settings.MaxProductsPerCustomer).Select(kv => kv.Key).ToArray())
            .ToList();
        var alsoBought = Neighbours(customerSets, n, settings.Neighbours, (pair, ni, nj) => (float)(pair / Math.Sqrt((double)ni * nj)));

        // Order-level co-occurrence: "bought together" is P(j | i) damped for rare i, which favours real companions over merely popular items.
        var baskets = orders.Values.Select(b => b.Take(settings.MaxProductsPerOrder).ToArray()).ToList();
        var together = Neighbours(baskets, n, settings.Neighbours, (pair, ni, nj) => pair < 2 ? 0f : (float)(pair / (ni + 5.0) * Math.Sqrt(pair / (double)nj)));

        float[]? vectors = null;
        var hasVector = new bool[n];
        if (contentVectors is not null && dimensions > 0)
        {
            vectors = new float[n * dimensions];
            foreach (var (key, vector) in contentVectors)
            {
                if (vector.Length == dimensions)
                {
                    var i = index[key];
                    vector.CopyTo(vectors.AsSpan(i * dimensions, dimensions));
                    hasVector[i] = true;
                }
            }
        }

        var ease = settings.EaseMaxItems > 1
            ? EaseModel.Build(customers.Values.Select(b => b.Keys.ToArray()).ToList(), n, settings.EaseMaxItems, settings.EaseLambda)
            : null;
        return new RecommendationModel(settings, [.. items], index, recent, buyers, alsoBought, together, vectors, hasVector, dimensions, latest) { _ease = ease };
    }

    /// <summary>Best sellers of recent weeks (recency-weighted distinct buyers).</summary>
    public IReadOnlyList<Recommendation> Popular(int count, Func<string, bool>? include = null, IReadOnlySet<string>? exclude = null) =>
        _byRecentPopularity.Select(i => (i, score: _recentPopularity[i]))
            .Where(x => Allowed(x.i, include, exclude))
            .Take(count)
            .Select(x => new Recommendation(_items[x.i], x.score, RecommendationReason.Popular))
            .ToList();

    /// <summary>Baseline: all-time distinct buyers, the same list for everyone.</summary>
    public IReadOnlyList<Recommendation> PopularityBaseline(int count, IReadOnlySet<string>? exclude = null) =>
        _byBuyers.Where(i => Allowed(i, null, exclude)).Take(count)
            .Select(i => new Recommendation(_items[i], _buyers[i], RecommendationReason.Popular)).ToList();

    /// <summary>Products like <paramref name="productKey"/>: close descriptions, and what its buyers also bought.</summary>
    public IReadOnlyList<Recommendation> Similar(string productKey, int count, Func<string, bool>? include = null)
    {
        if (!_index.TryGetValue(productKey, out var anchor))
        {
            return [];
        }
        var scores = new Dictionary<int, (double Score, RecommendationReason Reason)>();
        void Add(int item, double score, RecommendationReason reason)
        {
            if (item == anchor || score <= 0)
            {
                return;
            }
            if (scores.TryGetValue(item, out var existing))
            {
                scores[item] = (existing.Score + score, existing.Score >= score ? existing.Reason : reason);
            }
            else
            {
                scores[item] = (score, reason);
            }
        }

        foreach (var (item, score) in ContentNeighbours(anchor, count * 4 + 20))
        {
            Add(item, score, RecommendationReason.SimilarDescription);
        }
        var maxAlso = _alsoBought[anchor].Length > 0 ? _alsoBought[anchor][0].Score : 1f;
        foreach (var neighbour in _alsoBought[anchor])
        {
            // Scaled to the anchor's best neighbour so co-purchase and description scores are comparable.
            Add(neighbour.Item, 0.8 * neighbour.Score / maxAlso, RecommendationReason.AlsoBought);
        }
        return Top(scores, count, include, null, anchor);
    }

    /// <summary>Products often in the same order as any of <paramref name="productKeys"/> (e.g. the cart, or one product).</summary>
    public IReadOnlyList<Recommendation> BoughtTogether(IReadOnlyCollection<string> productKeys, int count, Func<string, bool>? include = null)
    {
        var anchors = productKeys.Select(k => _index.TryGetValue(k, out var i) ? i : -1).Where(i => i >= 0).Distinct().ToArray();
        var scores = new Dictionary<int, (double Score, RecommendationReason Reason, int Anchor, double Best)>();
        foreach (var anchor in anchors)
        {
            foreach (var neighbour in _together[anchor])
            {
                if (anchors.Contains(neighbour.Item))
                {
                    continue;
                }
                var current = scores.GetValueOrDefault(neighbour.Item, (0, RecommendationReason.BoughtTogether, anchor, 0));
                scores[neighbour.Item] = (current.Score + neighbour.Score, RecommendationReason.BoughtTogether,
                    neighbour.Score > current.Best ? anchor : current.Anchor, Math.Max(current.Best, neighbour.Score));
            }
        }
        return scores.OrderByDescending(s => s.Value.Score)
            .Where(s => Allowed(s.Key, include, null))
            .Take(count)
            .Select(s => new Recommendation(_items[s.Key], s.Value.Score, s.Value.Reason, _items[s.Value.Anchor]))
            .ToList();
    }

    /// <summary>
    /// Personal picks from a customer's own purchases: what buyers of their products also bought, what they buy again,
    /// what reads like what they bought, and recent best sellers. With no history: popularity.
    /// </summary>
    /// <param name="history">The customer's purchases (any order).</param>
    /// <param name="count">List length.</param>
    /// <param name="include">Keeps only products that pass (e.g. in stock).</param>
    /// <param name="allowRepeats">False leaves out products the customer already bought.</param>
    public IReadOnlyList<Recommendation> ForCustomer(IReadOnlyCollection<Purchase> history, int count, Func<string, bool>? include = null, bool allowRepeats = true)
    {
        var known = history.Select(p => _index.TryGetValue(p.ProductKey, out var i) ? (Item: i, p.At, p.OrderKey) : (Item: -1, p.At, p.OrderKey)).Where(p => p.Item >= 0).ToList();
        // Repeats are only products bought in MinRepeatOrders or more orders: one purchase is no habit, so a product
        // bought once is never suggested again, whichever signal would rank it.
        var exclude = history.GroupBy(p => p.ProductKey, StringComparer.Ordinal)
            .Where(g => !allowRepeats || g.Select(p => p.OrderKey).Distinct().Count() < Settings.MinRepeatOrders)
            .Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        if (known.Count == 0)
        {
            return Popular(count, include, exclude);
        }

        var s = Settings;
        var last = known.Max(p => p.At);
        var orderCount = known.Select(p => p.OrderKey).Distinct().Count();
        var weights = known.GroupBy(p => p.Item).ToDictionary(
            g => g.Key,
            g => (Weight: Decay(last - g.Max(p => p.At), s.HalfLifeDays), Orders: g.Select(p => p.OrderKey).Distinct().Count()));

        var components = new Dictionary<int, double[]>();
        var anchors = new Dictionary<int, (int Anchor, double Best)>();
        double[] Slot(int item) => components.TryGetValue(item, out var c) ? c : components[item] = new double[4];

        if (_ease is not null)
        {
            // EASE: weights fitted jointly over all products, so it is "customers who bought X also bought" without
            // the pull of products that co-occur with everything.
            var ease = new Dictionary<int, double>();
            _ease.Score(weights.Select(w => (w.Key, w.Value.Weight)), ease, anchors);
            foreach (var (item, score) in ease)
            {
                Slot(item)[0] = score;
            }
        }
        else
        {
            foreach (var (item, (weight, _)) in weights)
            {
                foreach (var neighbour in _alsoBought[item])
                {
                    var contribution = weight * neighbour.Score;
                    Slot(neighbour.Item)[0] += contribution;
                    if (!anchors.TryGetValue(neighbour.Item, out var a) || contribution > a.Best)
                    {
                        anchors[neighbour.Item] = (item, contribution);
                    }
                }
            }
        }
        NormaliseColumn(components, 0);

        if (allowRepeats)
        {
            foreach (var (item, (weight, orders)) in weights.Where(w => w.Value.Orders >= s.MinRepeatOrders))
            {
                Slot(item)[1] = weight * orders / (double)orderCount;
            }
            NormaliseColumn(components, 1);
        }

        if (_vectors is not null && s.ContentWeight > 0)
        {
            var profile = new float[_dimensions];
            foreach (var (item, (weight, _)) in weights.Where(w => _hasVector[w.Key]))
            {
                TensorPrimitives.MultiplyAdd(_vectors.AsSpan(item * _dimensions, _dimensions), (float)weight, profile, profile);
            }
            var norm = TensorPrimitives.Norm(profile);
            if (norm > 0)
            {
                TensorPrimitives.Divide(profile, norm, profile);
                foreach (var (item, score) in TopByDot(profile, 200))
                {
                    Slot(item)[2] = Math.Max(0, score);
                }
            }
        }

        var maxPopularity = _byRecentPopularity.Length > 0 ? _recentPopularity[_byRecentPopularity[0]] : 1;
        foreach (var item in _byRecentPopularity.Take(200))
        {
            Slot(item)[3] = _recentPopularity[item] / maxPopularity;
        }

        double[] w = [s.AlsoBoughtWeight, s.BuyAgainWeight, s.ContentWeight, s.PopularityWeight];
        RecommendationReason[] reasons = [RecommendationReason.AlsoBought, RecommendationReason.BuyAgain, RecommendationReason.SimilarDescription, RecommendationReason.Popular];
        var ranked = components
            .Select(c =>
            {
                var total = 0.0;
                var best = 0;
                for (var k = 0; k < 4; k++)
                {
                    total += w[k] * c.Value[k];
                    if (w[k] * c.Value[k] > w[best] * c.Value[best])
                    {
                        best = k;
                    }
                }
                return (Item: c.Key, Score: total, Reason: reasons[best]);
            })
            .Where(r => r.Score > 0)
            .OrderByDescending(r => r.Score);

        var result = new List<Recommendation>(count);
        foreach (var r in ranked)
        {
            if (!Allowed(r.Item, include, exclude))
            {
                continue;
            }
            var anchor = r.Reason switch
            {
                RecommendationReason.AlsoBought => anchors.TryGetValue(r.Item, out var a) ? _items[a.Anchor] : null,
                RecommendationReason.BuyAgain => _items[r.Item],
                RecommendationReason.SimilarDescription => ClosestOf(r.Item, weights.Keys),
                _ => null,
            };
            result.Add(new Recommendation(_items[r.Item], r.Score, r.Reason, anchor));
            if (result.Count == count)
            {
                break;
            }
        }
        return result;
    }

    /// <summary>Baseline: classic item-kNN (sum of cosine similarities to the products the customer bought).</summary>
    public IReadOnlyList<Recommendation> ItemKnnBaseline(IReadOnlyCollection<Purchase> history, int count, bool allowRepeats = true)
    {
        var bought = history.Select(p => _index.TryGetValue(p.ProductKey, out var i) ? i : -1).Where(i => i >= 0).ToHashSet();
        var scores = new Dictionary<int, double>();
        foreach (var item in bought)
        {
            foreach (var neighbour in _alsoBought[item])
            {
                scores[neighbour.Item] = scores.GetValueOrDefault(neighbour.Item) + neighbour.Score;
            }
        }
        return scores.Where(s => allowRepeats || !bought.Contains(s.Key))
            .OrderByDescending(s => s.Value).Take(count)
            .Select(s => new Recommendation(_items[s.Key], s.Value, RecommendationReason.AlsoBought)).ToList();
    }

    private string? ClosestOf(int item, IEnumerable<int> candidates)
    {
        if (_vectors is null || !_hasVector[item])
        {
            return null;
        }
        var target = _vectors.AsSpan(item * _dimensions, _dimensions);
        var best = -1;
        var bestScore = float.MinValue;
        foreach (var c in candidates)
        {
            if (c != item && _hasVector[c])
            {
                var score = TensorPrimitives.Dot(target, _vectors.AsSpan(c * _dimensions, _dimensions));
                if (score > bestScore)
                {
                    (best, bestScore) = (c, score);
                }
            }
        }
        return best >= 0 ? _items[best] : null;
    }

    private IEnumerable<(int Item, float Score)> ContentNeighbours(int anchor, int count) =>
        _vectors is null || !_hasVector[anchor] ? [] : TopByDot(_vectors.AsSpan(anchor * _dimensions, _dimensions).ToArray(), count + 1).Where(x => x.Item != anchor);

    private List<(int Item, float Score)> TopByDot(float[] query, int count)
    {
        var heap = new PriorityQueue<int, float>(count + 1);
        for (var i = 0; i < _items.Length; i++)
        {
            if (!_hasVector[i])
            {
                continue;
            }
            var score = TensorPrimitives.Dot(query, _vectors.AsSpan(i * _dimensions, _dimensions));
            if (heap.Count < count)
            {
                heap.Enqueue(i, score);
            }
            else if (heap.TryPeek(out _, out var lowest) && score > lowest)
            {
                heap.DequeueEnqueue(i, score);
            }
        }
        var result = new List<(int, float)>(heap.Count);
        while (heap.TryDequeue(out var item, out var score))
        {
            result.Add((item, score));
        }
        result.Reverse();
        return result;
    }

    private IReadOnlyList<Recommendation> Top(Dictionary<int, (double Score, RecommendationReason Reason)> scores, int count, Func<string, bool>? include, IReadOnlySet<string>? exclude, int anchor) =>
        scores.OrderByDescending(s => s.Value.Score)
            .Where(s => Allowed(s.Key, include, exclude))
            .Take(count)
            .Select(s => new Recommendation(_items[s.Key], s.Value.Score, s.Value.Reason, _items[anchor]))
            .ToList();

    private bool Allowed(int item, Func<string, bool>? include, IReadOnlySet<string>? exclude) =>
        (exclude is null || !exclude.Contains(_items[item])) && (include is null || include(_items[item]));

    private static void NormaliseColumn(Dictionary<int, double[]> components, int column)
    {
        var max = components.Count == 0 ? 0 : components.Values.Max(c => c[column]);
        if (max > 0)
        {
            foreach (var c in components.Values)
            {
                c[column] /= max;
            }
        }
    }

    private static double Decay(TimeSpan age, double halfLifeDays) => Math.Pow(0.5, Math.Max(0, age.TotalDays) / halfLifeDays);

    /// <summary>Counts item pairs within each group and keeps each item's best <paramref name="keep"/> neighbours.</summary>
    private static Neighbour[][] Neighbours(List<int[]> groups, int itemCount, int keep, Func<int, int, int, float> score)
    {
        var occurrences = new int[itemCount];
        // Key i·n + j: long's own hash folds the two halves together (i ^ j), which would collide massively for (i << 32 | j).
        var pairs = new Dictionary<long, int>();
        foreach (var group in groups)
        {
            var sorted = group.Distinct().Order().ToArray();
            foreach (var i in sorted)
            {
                occurrences[i]++;
            }
            for (var a = 0; a < sorted.Length; a++)
            {
                for (var b = a + 1; b < sorted.Length; b++)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(pairs, (long)sorted[a] * itemCount + sorted[b], out _)++;
                }
            }
        }

        var lists = new List<Neighbour>?[itemCount];
        foreach (var (key, count) in pairs)
        {
            var i = (int)(key / itemCount);
            var j = (int)(key % itemCount);
            var ij = score(count, occurrences[i], occurrences[j]);
            var ji = score(count, occurrences[j], occurrences[i]);
            if (ij > 0)
            {
                (lists[i] ??= []).Add(new Neighbour(j, ij));
            }
            if (ji > 0)
            {
                (lists[j] ??= []).Add(new Neighbour(i, ji));
            }
        }
        return lists.Select(l => l is null ? [] : l.OrderByDescending(x => x.Score).Take(keep).ToArray()).ToArray();
    }
}
