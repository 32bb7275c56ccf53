using System.Diagnostics;

namespace ChatAgent.Shop.Recommendations;

/// <summary>Quality of one recommender on a time split: hit rate and NDCG at K (each ± the half-width of its 95% confidence interval over users), and time per list.</summary>
public sealed record RecommenderScore(string Name, double HitRate, double Ndcg, int Users, double MillisecondsPerList, double HitRateCi = 0, double NdcgCi = 0);

/// <summary>The three recommenders evaluated on the same users and split.</summary>
public sealed record EvaluationReport(int K, DateTime SplitAt, bool RepeatsCount, int TrainPurchases, int TestUsers, TimeSpan BuildTime, IReadOnlyList<RecommenderScore> Scores)
{
    public RecommenderScore this[string name] => Scores.Single(s => s.Name == name);

    public override string ToString() =>
        $"split {SplitAt:yyyy-MM-dd}, {(RepeatsCount ? "repeat purchases count" : "new products only")}, {TrainPurchases:N0} train lines, {TestUsers:N0} test users, model built in {BuildTime.TotalSeconds:F1} s" + Environment.NewLine +
        string.Join(Environment.NewLine, Scores.Select(s => $"  {s.Name,-12} HR@{K} {s.HitRate:F3} ±{s.HitRateCi:F3}  NDCG@{K} {s.Ndcg:F3} ±{s.NdcgCi:F3}  {s.MillisecondsPerList:F2} ms/list"));
}

/// <summary>
/// Offline evaluation by time: learn from purchases before the split, then for each customer who bought both before
/// and after it, check whether the products they bought after it appear in their top K.
/// </summary>
public static class RecommendationEvaluation
{
    public const string Ours = "ours";
    public const string Popularity = "popularity";
    public const string ItemKnn = "item-kNN";

    /// <param name="purchases">The whole log.</param>
    /// <param name="splitAt">Train before, test from this moment.</param>
    /// <param name="contentVectors">Description vectors for the content signal, or null.</param>
    /// <param name="k">List length.</param>
    /// <param name="repeatsCount">
    /// True: every product bought after the split is a hit, also ones bought before ("buy again" counts).
    /// False: only products new to the customer count, and no recommender may list products the customer already bought.
    /// </param>
    /// <param name="maxTestUsers">Evaluate a deterministic sample of at most this many test users (null: all).</param>
    /// <param name="settings">Tuning of our recommender.</param>
    public static EvaluationReport Run(IReadOnlyList<Purchase> purchases, DateTime splitAt, IReadOnlyDictionary<string, float[]>? contentVectors = null,
        int k = 10, bool repeatsCount = true, int? maxTestUsers = null, RecommenderSettings? settings = null)
    {
        var train = purchases.Where(p => p.At < splitAt).ToList();
        var stopwatch = Stopwatch.StartNew();
        var model = RecommendationModel.Build(train, contentVectors, settings);
        var buildTime = stopwatch.Elapsed;

        var history = train.GroupBy(p => p.CustomerKey).ToDictionary(g => g.Key, g => (IReadOnlyCollection<Purchase>)g.ToList());
        var users = purchases.Where(p => p.At >= splitAt && history.ContainsKey(p.CustomerKey))
            .GroupBy(p => p.CustomerKey)
            .Select(g => (Customer: g.Key, Bought: g.Select(p => p.ProductKey).ToHashSet(StringComparer.Ordinal)))
            .Select(u => repeatsCount ? u : (u.Customer, Bought: u.Bought.Except(history[u.Customer].Select(p => p.ProductKey)).ToHashSet(StringComparer.Ordinal)))
            .Where(u => u.Bought.Count > 0)
            .OrderBy(u => StableHash(u.Customer))
            .Take(maxTestUsers ?? int.MaxValue)
            .ToList();

        var recommenders = new (string Name, Func<IReadOnlyCollection<Purchase>, IReadOnlyList<Recommendation>> Recommend)[]
        {
            (Ours, h => model.ForCustomer(h, k, allowRepeats: repeatsCount)),
            (Popularity, h => model.PopularityBaseline(k, repeatsCount ? null : h.Select(p => p.ProductKey).ToHashSet(StringComparer.Ordinal))),
            (ItemKnn, h => model.ItemKnnBaseline(h, k, allowRepeats: repeatsCount)),
        };

        var scores = new List<RecommenderScore>();
        foreach (var (name, recommend) in recommenders)
        {
            double hits = 0, ndcg = 0, ndcgSquares = 0;
            stopwatch.Restart();
            foreach (var (customer, bought) in users)
            {
                var list = recommend(history[customer]);
                double dcg = 0;
                var hit = false;
                for (var rank = 0; rank < Math.Min(k, list.Count); rank++)
                {
                    if (bought.Contains(list[rank].ProductKey))
                    {
                        hit = true;
                        dcg += 1 / Math.Log2(rank + 2);
                    }
                }
                double ideal = 0;
                for (var rank = 0; rank < Math.Min(k, bought.Count); rank++)
                {
                    ideal += 1 / Math.Log2(rank + 2);
                }
                hits += hit ? 1 : 0;
                ndcg += dcg / ideal;
                ndcgSquares += dcg / ideal * (dcg / ideal);
            }
            var elapsed = stopwatch.Elapsed.TotalMilliseconds;
            var n = Math.Max(1, users.Count);
            var hr = hits / n;
            var mean = ndcg / n;
            // Normal approximation over users (thousands of them): 1.96 standard errors.
            var hrCi = 1.96 * Math.Sqrt(hr * (1 - hr) / n);
            var ndcgCi = 1.96 * Math.Sqrt(Math.Max(0, ndcgSquares / n - mean * mean) / n);
            scores.Add(new RecommenderScore(name, hr, mean, users.Count, elapsed / n, hrCi, ndcgCi));
        }
        return new EvaluationReport(k, splitAt, repeatsCount, train.Count, users.Count, buildTime, scores);
    }

    // string.GetHashCode is randomised per process; a sample must be the same on every run.
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }
}
