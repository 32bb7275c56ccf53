using System.CommandLine;
using ChatAgent.Shop.Import;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ChatAgent.Shop.Cli;

/// <summary><c>chatagent import tau-retail FILE</c> for τ-retail's <c>db.json</c>.</summary>
public static class TauRetailImportCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The τ-retail db.json (e.g. ../shared/data/tau-retail/db.json)." };
        var command = new Command("tau-retail", "Import customers, products and orders from a τ-retail db.json.") { file };
        command.SetAction((parse, ct) => ShopCli.RunAsync(async services =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                await Console.Error.WriteLineAsync($"File not found: {path.FullName}");
                return 1;
            }
            await using var db = await services.GetRequiredService<IDbContextFactory<ShopDbContext>>().CreateDbContextAsync(ct);
            var progress = new ImportProgress(Console.Error, "tau-retail", null);
            var report = await new TauRetailImporter(db).ImportFileAsync(path.FullName, progress, ct);
            report.WriteTo(Console.Out);
            return report.Inserted + report.AlreadyPresent > 0 || report.Rejected.Count == 0 ? 0 : 1;
        }, ct));
        return command;
    }
}
