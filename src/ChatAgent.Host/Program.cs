using ChatAgent.Host.Cli;

return await ChatAgentCli.Create().Parse(ChatAgentCli.WithDefaultVerb(args)).InvokeAsync();
