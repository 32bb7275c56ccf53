namespace ChatAgent.ServiceDefaults;

/// <summary>
/// Finds the folder that holds the shop's <c>appsettings.json</c>, <c>prompts/</c>, <c>plugins/</c> and <c>data/</c>:
/// <c>CHATAGENT_ROOT</c> when set, else the nearest folder at or above the working directory with an
/// <c>appsettings.json</c>, else the folder of the executable (which carries a copy of the file).
/// </summary>
public static class ContentRoot
{
    public const string EnvironmentVariable = "CHATAGENT_ROOT";

    public static string Resolve()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Path.GetFullPath(fromEnvironment);
        }

        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "appsettings.json")))
            {
                return dir.FullName;
            }
        }
        return AppContext.BaseDirectory;
    }
}
