using System.CommandLine;
using System.Text.Json;
using ChatAgent.Embeddings;
using ChatAgent.ServiceDefaults;
using ChatAgent.Shop.Import;
using ChatAgent.Shop.Search;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Shop.Cli;

/// <summary>
/// <c>chatagent search "QUERY" [--json] [--repl]</c>: searches the shop's catalogue as the products plugin does and
/// prints the results with their scores, the constraints understood and where the time went; <c>--repl</c> loads the
/// model and catalogue once and reads queries line by line. <c>chatagent eval search FILE.jsonl</c>: nDCG@10 per query type.
/// </summary>
public static class SearchCommands
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>The <c>search</c> verb.</summary>
    public static Command Search()
    {
        var query = new Argument<string?>("query") { Description = "What a customer would type, e.g. \"wireless earbuds under $50\"", Arity = ArgumentArity.ZeroOrOne };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON" };
        var repl = new Option<bool>("--repl") { Description = "Load once, then read one query per line from standard input (empty line or Ctrl-D ends)" };
        var limit = new Option<int?>("--limit") { Description = "Results wanted (default Search:DefaultLimit)" };
        var command = new Command("search", "Search the catalogue and print scores, parsed constraints and timings") { query, json, repl, limit };
        command.SetAction((parse, ct) => ShopCli.RunAsync(async services =>
        {
            var search = services.GetRequiredService<ProductSearchService>();
            var text = parse.GetValue(query);
            if (!parse.GetValue(repl) && string.IsNullOrWhiteSpace(text))
            {
                await Console.Error.WriteLineAsync("search: give a query, or --repl to read queries from standard input.");
                return 2;
            }
            if (!string.IsNullOrWhiteSpace(text))
            {
                await PrintAsync(search, text, parse.GetValue(limit), parse.GetValue(json), ct);
            }
            if (parse.GetValue(repl))
            {
                while (await Console.In.ReadLineAsync(ct) is { } line && line.Trim().Length > 0)
                {
                    await PrintAsync(search, line, parse.GetValue(limit), parse.GetValue(json), ct);
                }
            }
            return 0;
        }, ct));
        return command;
    }

    private static async Task PrintAsync(ProductSearchService search, string text, int? limit, bool json, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await search.SearchAsync(new ProductSearchRequest(text, Limit: limit), ct);
        var elapsed = clock.Elapsed;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                query = text,
                parsed = result.Parsed,
                result.Understood,
                result.Exact,
                products = result.Hits,
                result.Alternatives,
                timings_ms = new
                {
                    embedding = result.Timings.Embedding.TotalMilliseconds, full_text = result.Timings.FullText.TotalMilliseconds,
                    vectors = result.Timings.VectorScoring.TotalMilliseconds, fusion = result.Timings.Fusion.TotalMilliseconds,
                    details = result.Timings.Details.TotalMilliseconds, total = elapsed.TotalMilliseconds,
                },
            }, Json));
            return;
        }
        var p = result.Parsed;
        Console.WriteLine($"query: {text}");
        Console.WriteLine($"  searched text: \"{p?.Text}\"; understood: {(result.Understood.Length > 0 ? result.Understood : "(no constraints)")}; encoder {search.Model.Name}");
        Console.WriteLine($"  {(result.Exact ? "exact" : "NOT exact: nothing satisfies every constraint")}; {elapsed.TotalMilliseconds:F1} ms (embed {result.Timings.Embedding.TotalMilliseconds:F1}, full text {result.Timings.FullText.TotalMilliseconds:F1}, vectors {result.Timings.VectorScoring.TotalMilliseconds:F1}, details {result.Timings.Details.TotalMilliseconds:F1})");
        foreach (var (h, i) in result.Hits.Select((h, i) => (h, i + 1)))
        {
            Console.WriteLine($"  {i,2}. {h.Name} [{h.ProductId}] {h.PriceFrom:0.00}-{h.PriceTo:0.00} score {h.Score:F4} sim {h.Similarity:F3} by {string.Join('+', h.MatchedBy)}{(h.InStock ? "" : " (sold out)")}");
        }
        foreach (var h in result.Alternatives ?? [])
        {
            Console.WriteLine($"   ~ {h.Name} [{h.ProductId}] {h.PriceFrom:0.00}-{h.PriceTo:0.00} sim {h.Similarity:F3}: {h.Why}");
        }
    }

    /// <summary>The <c>eval search</c> subcommand.</summary>
    public static Command EvalSearch()
    {
        var file = new Argument<FileInfo>("file") { Description = "Labelled queries: one {\"query\",\"type\",\"relevant\":{\"product id\":grade}} a line (e.g. bench/ChatAgent.Bench.Search/data/online-retail-queries.jsonl)" };
        var data = new Option<DirectoryInfo?>("--data") { Description = "Online Retail folder with products.csv (default ../shared/data/online-retail-uci beside the repository)" };
        var models = new Option<string[]>("--models") { Description = "Encoders to compare (default: all carried: MiniLM ArcticXs)", AllowMultipleArgumentsPerToken = true };
        var verbose = new Option<bool>("--verbose") { Description = "Print each query's nDCG and top results" };
        var noLog = new Option<bool>("--purchases") { Description = "Import the purchase log too and enrich documents with co-purchased products' names (slow: the log has 400k lines)" };
        var command = new Command("search", "nDCG@10 per query type of product search on a labelled file, per encoder: keywords only, meaning only, fused") { file, data, models, verbose, noLog };
        command.SetAction(async (parse, ct) =>
        {
            var input = parse.GetRequiredValue(file);
            if (!input.Exists)
            {
                await Console.Error.WriteLineAsync($"eval search: {input.FullName} does not exist.");
                return 2;
            }
            var folder = parse.GetValue(data)?.FullName ?? Path.GetFullPath(Path.Combine(ContentRoot.Resolve(), "..", "shared", "data", "online-retail-uci"));
            if (!File.Exists(Path.Combine(folder, "products.csv")))
            {
                await Console.Error.WriteLineAsync($"eval search: no products.csv in {folder} (pass --data FOLDER).");
                return 2;
            }
            IReadOnlyList<LabelledQuery> queries;
            try
            {
                queries = SearchEvaluation.Read(input.FullName);
            }
            catch (FormatException e)
            {
                await Console.Error.WriteLineAsync($"eval search: {e.Message}");
                return 2;
            }
            var chosen = new List<LocalEmbeddingModel>();
            foreach (var name in parse.GetValue(models) is { Length: > 0 } names ? names : LocalEmbeddingModel.All.Select(m => m.Name))
            {
                if (LocalEmbeddingModel.Find(name) is not { } model)
                {
                    await Console.Error.WriteLineAsync($"eval search: unknown model '{name}'; known: {string.Join(", ", LocalEmbeddingModel.All.Select(m => m.Name))}.");
                    return 2;
                }
                chosen.Add(model);
            }
            Console.WriteLine($"{queries.Count} queries ({string.Join(", ", queries.GroupBy(q => q.Type).Select(g => $"{g.Count()} {g.Key}"))}); nDCG@10; catalogue {folder}");
            foreach (var model in chosen)
            {
                using var embedder = new LocalEmbeddingGenerator(new LocalEmbeddingOptions(), model);
                await using var catalog = await ScratchCatalog.CreateAsync(embedder, cancellationToken: ct);
                var index = await catalog.LoadOnlineRetailAsync(folder, parse.GetValue(noLog), new ImportProgress(Console.Error, $"embedding ({model.Name})", null), ct);
                Console.WriteLine($"-- {model.Name}: {index}");
                var baseOptions = catalog.Options;
                foreach (var (mode, options) in new[]
                {
                    ("keywords only", Clone(baseOptions, o => o.MeaningWeight = 0)),
                    ("meaning only", Clone(baseOptions, o => o.KeywordWeight = 0)),
                    ("fused", baseOptions),
                    ("fused, fixed weights", Clone(baseOptions, o => o.CoverageExponent = 0)),
                    ("fused, meaning x2", Clone(baseOptions, o => o.MeaningWeight = 2 * o.KeywordWeight)),
                })
                {
                    var report = await SearchEvaluation.EvaluateAsync($"{model.Name} {mode}", catalog.SearchWith(options), queries, 10, ct);
                    Console.WriteLine(report.Line());
                    if (parse.GetValue(verbose) && mode == "fused")
                    {
                        foreach (var (q, ndcg, ranked) in report.Queries)
                        {
                            Console.WriteLine($"   {ndcg:F2} [{q.Type}] {q.Query}: {string.Join(", ", ranked.Take(5))}");
                        }
                    }
                }
            }
            return 0;
        });
        return command;
    }

    private static SearchOptions Clone(SearchOptions o, Action<SearchOptions> change)
    {
        var copy = new SearchOptions
        {
            CandidatePool = o.CandidatePool, FusionK = o.FusionK, MinSimilarity = o.MinSimilarity, DefaultLimit = o.DefaultLimit, MaxLimit = o.MaxLimit,
            SnapshotSeconds = o.SnapshotSeconds, IndexBatchSize = o.IndexBatchSize, IndexOnStart = o.IndexOnStart, KeywordWeight = o.KeywordWeight,
            MeaningWeight = o.MeaningWeight, EnrichWithCoPurchases = o.EnrichWithCoPurchases, CoverageExponent = o.CoverageExponent, RelevanceMargin = o.RelevanceMargin, StrongSimilarity = o.StrongSimilarity,
        };
        change(copy);
        return copy;
    }
}

/// <summary><c>chatagent eval recs [--data FOLDER] [--split DATE]</c>: personal recommendations on a time split of the Online Retail log.</summary>
public static class RecommendationEvalCommand
{
    /// <summary>The <c>eval recs</c> subcommand.</summary>
    public static Command Create()
    {
        var data = new Option<DirectoryInfo?>("--data") { Description = "Online Retail folder (orders.csv, order_lines.csv; default ../shared/data/online-retail-uci beside the repository)" };
        var split = new Option<DateTime?>("--split") { Description = "Train before, test from this date (default 2011-09-09: the last three months)" };
        var command = new Command("recs", "HR@10 and NDCG@10 (95% CI) of personal recommendations against popularity and item-kNN, repeat and new-product protocols") { data, split };
        command.SetAction(async (parse, ct) =>
        {
            var folder = parse.GetValue(data)?.FullName ?? Path.GetFullPath(Path.Combine(ContentRoot.Resolve(), "..", "shared", "data", "online-retail-uci"));
            if (!File.Exists(Path.Combine(folder, "order_lines.csv")))
            {
                await Console.Error.WriteLineAsync($"eval recs: no order_lines.csv in {folder} (pass --data FOLDER).");
                return 2;
            }
            var at = DateTime.SpecifyKind(parse.GetValue(split) ?? new DateTime(2011, 9, 9), DateTimeKind.Utc);
            var purchases = PurchaseLog.ReadOnlineRetail(folder);
            foreach (var repeats in new[] { true, false })
            {
                ct.ThrowIfCancellationRequested();
                var report = Recommendations.RecommendationEvaluation.Run(purchases, at, repeatsCount: repeats);
                Console.WriteLine(report);
                var ours = report[Recommendations.RecommendationEvaluation.Ours];
                var knn = report[Recommendations.RecommendationEvaluation.ItemKnn];
                Console.WriteLine($"  ours / item-kNN: HR {ours.HitRate / Math.Max(1e-9, knn.HitRate):F2}x, NDCG {ours.Ndcg / Math.Max(1e-9, knn.Ndcg):F2}x");
            }
            return 0;
        });
        return command;
    }
}
