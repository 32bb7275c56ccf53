using System.CommandLine;

namespace ChatAgent.Host.Cli;

/// <summary>The <c>chatagent</c> command line: <c>serve</c> (default) and the operator and developer verbs.</summary>
public static class ChatAgentCli
{
    public static RootCommand Create()
    {
        var root = new RootCommand("ChatAgent: a self-hosted customer-service chatbot for online shops.")
        {
            ServeCommand.Create(),
            ChatAgent.Llm.Cli.MakeTestModelCommand.Create(),
            ChatAgent.Shop.Cli.ImportCommand.Create(),
            ChatAgent.Shop.Cli.PluginsCommand.Create(),
            ChatAgent.Host.AgentConsole.AgentsCommand.Create(),
            EvalVerb(),
            ChatAgent.Shop.Cli.SearchCommands.Search(),
        };
        return root;
    }

    /// <summary>
    /// <c>eval intents</c> (the no-model classifier), <c>eval tau-retail</c> (a model through the whole host), and the
    /// shop's <c>eval search</c> and <c>eval recs</c>.
    /// </summary>
    private static Command EvalVerb()
    {
        var eval = ChatAgent.Orchestration.Intents.Eval.EvalCommand.Create();
        eval.Subcommands.Add(ChatAgent.Host.Eval.TauRetail.TauRetailEvalCommand.Create());
        eval.Subcommands.Add(ChatAgent.Shop.Cli.SearchCommands.EvalSearch());
        eval.Subcommands.Add(ChatAgent.Shop.Cli.RecommendationEvalCommand.Create());
        return eval;
    }

    /// <summary>No verb (or only options such as <c>--urls</c>) means <c>serve</c>.</summary>
    public static string[] WithDefaultVerb(string[] args) =>
        args.Length == 0 || (args[0].StartsWith('-') && args[0] is not ("-h" or "--help" or "-?" or "--version"))
            ? ["serve", .. args]
            : args;
}
