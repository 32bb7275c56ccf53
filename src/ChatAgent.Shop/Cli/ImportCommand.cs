using System.CommandLine;

namespace ChatAgent.Shop.Cli;

/// <summary><c>chatagent import &lt;source&gt; FILE</c>: loads data into the shop's store.</summary>
public static class ImportCommand
{
    /// <summary>
    /// One factory per import source. Add a new source by adding its factory here (one line) and its command in its own
    /// file next to <see cref="TauRetailImportCommand"/>.
    /// </summary>
    public static readonly IReadOnlyList<Func<Command>> Subcommands =
    [
        TauRetailImportCommand.Create,
        ProductsImportCommand.Create,
        PurchasesImportCommand.Create,
    ];

    /// <summary>The <c>import</c> command with every registered source as a subcommand.</summary>
    public static Command Create()
    {
        var command = new Command("import", "Import data into the shop's store (idempotent; bad rows are reported, not fatal).");
        foreach (var create in Subcommands)
        {
            command.Subcommands.Add(create());
        }
        return command;
    }
}
