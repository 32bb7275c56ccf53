using ChatAgent.Conversations.Store;
using ChatAgent.Testing;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Host.Tests;

public sealed class StoreColumnsTests
{
    [Fact]
    public async Task A_message_stamps_the_conversation_in_the_same_format_as_its_other_timestamps()
    {
        await using var host = await ChatAgentTestHost.StartAsync();
        var client = await DirectLineTestClient.StartAsync(host);
        var created = (await host.Services.GetRequiredService<ConversationStore>().FindConversationAsync(client.ConversationId, CancellationToken.None))!;
        await Task.Delay(20, TestContext.Current.CancellationToken);
        await client.SendAsync("hello");

        var updated = (await host.Services.GetRequiredService<ConversationStore>().FindConversationAsync(client.ConversationId, CancellationToken.None))!;
        Assert.True(updated.UpdatedAt > created.UpdatedAt, $"{updated.UpdatedAt:O} <= {created.UpdatedAt:O}");

        // Ordering by updated_at (history, queue) compares the stored text: both columns must be written alike.
        await using var sqlite = new SqliteConnection($"Data Source={Path.Combine(host.DataDirectory, "chatagent.db")}");
        await sqlite.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = sqlite.CreateCommand();
        command.CommandText = "SELECT created_at, updated_at FROM conversations WHERE id = $id";
        command.Parameters.AddWithValue("$id", client.ConversationId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        var createdText = reader.GetString(0);
        var updatedText = reader.GetString(1);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00:00$", createdText);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00:00$", updatedText);
        Assert.True(string.CompareOrdinal(updatedText, createdText) > 0, $"{updatedText} vs {createdText}");
    }
}
