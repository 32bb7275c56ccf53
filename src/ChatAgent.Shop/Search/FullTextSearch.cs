using System.Data.Common;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace ChatAgent.Shop.Search;

/// <summary>
/// Keyword retrieval with each database's own engine: SQLite FTS5 ranked by bm25 (porter stemming), PostgreSQL
/// full-text search ranked by ts_rank_cd (english stemming). Words are OR-ed: fusion with the vector ranking, not a
/// strict AND, decides what matters, and a paraphrase sharing one word still surfaces.
/// </summary>
internal static partial class FullTextSearch
{
    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();

    /// <summary>Product ids, best first.</summary>
    public static async Task<List<string>> SearchAsync(CatalogIndexDbContext db, string query, int limit, CancellationToken cancellationToken)
    {
        var words = Word().Matches(query).Select(m => m.Value.ToLowerInvariant()).Where(w => w.Length > 1 || char.IsDigit(w[0])).Distinct().Take(16).ToList();
        if (words.Count == 0)
        {
            return [];
        }

        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }
        await using var command = connection.CreateCommand();
        if (db.Database.IsNpgsql())
        {
            command.CommandText = $"""
                SELECT d."ProductId" FROM {CatalogIndexDbContext.DocumentsTable} d, websearch_to_tsquery('english', @query) q
                WHERE d."SearchVector" @@ q ORDER BY ts_rank_cd(d."SearchVector", q) DESC, d."Id" LIMIT @limit
                """;
            Add(command, "@query", string.Join(" or ", words));
        }
        else
        {
            // Title matches weigh more than body matches (bm25 column weights: title, body).
            command.CommandText = $"""
                SELECT d."ProductId" FROM {CatalogIndexDbContext.FtsTable} f JOIN {CatalogIndexDbContext.DocumentsTable} d ON d."Id" = f.rowid
                WHERE {CatalogIndexDbContext.FtsTable} MATCH $query ORDER BY bm25({CatalogIndexDbContext.FtsTable}, 5.0, 1.0), d."Id" LIMIT $limit
                """;
            Add(command, "$query", string.Join(" OR ", words.Select(w => $"\"{w}\"")));
        }
        Add(command, command.CommandText.Contains("@limit") ? "@limit" : "$limit", limit);

        var ids = new List<string>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
