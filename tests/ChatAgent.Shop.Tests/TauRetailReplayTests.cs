namespace ChatAgent.Shop.Tests;

public sealed class TauRetailReplayTests
{
    public static TheoryData<string> TaskIds() => TauReplay.TaskIds();

    [Theory]
    [MemberData(nameof(TaskIds))]
    public async Task Each_tau_retail_task_replayed_through_the_orders_plugin_leaves_the_store_as_the_task_implies(string taskId)
    {
        SharedData.Require("tau-retail/tasks.json");
        SharedData.Require("tau-retail/db.json");
        await using var shop = await TestShop.CreateSqliteAsync(await TauTemplate.PathAsync());
        await TauReplay.RunAsync(shop, taskId);
    }
}
