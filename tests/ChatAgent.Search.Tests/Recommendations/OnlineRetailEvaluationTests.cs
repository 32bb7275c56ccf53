using ChatAgent.Shop.Import;
using ChatAgent.Shop.Recommendations;

namespace ChatAgent.Search.Tests.Recommendations;

/// <summary>The Online Retail log split by time (train before 2011-09-09, test after), on every test customer.</summary>
public sealed class OnlineRetailEvaluationTests(ITestOutputHelper output)
{
    private static readonly DateTime Split = new(2011, 9, 9, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Ours_beats_popularity_on_hit_rate_at_10()
    {
        var purchases = PurchaseLog.ReadOnlineRetail(SharedData.Folder("online-retail-uci"));
        // Every test customer, no sampling; the "new products only" protocol and the content signal are in the benchmark.
        var report = RecommendationEvaluation.Run(purchases, Split);
        output.WriteLine(report.ToString());
        Assert.True(report.TestUsers > 1000, $"only {report.TestUsers} test users");
        Assert.True(report[RecommendationEvaluation.Ours].HitRate > report[RecommendationEvaluation.Popularity].HitRate,
            $"ours {report[RecommendationEvaluation.Ours].HitRate:F3} vs popularity {report[RecommendationEvaluation.Popularity].HitRate:F3}");
        Assert.True(report[RecommendationEvaluation.Ours].Ndcg > report[RecommendationEvaluation.Popularity].Ndcg);
    }
}
