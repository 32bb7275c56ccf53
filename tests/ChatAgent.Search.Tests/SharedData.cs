namespace ChatAgent.Search.Tests;

/// <summary>Finds ../shared/data next to the repository; skips (or, with CHATAGENT_REQUIRE_SHARED=1, fails) when absent.</summary>
internal static class SharedData
{
    public static string Folder(string name)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "ChatAgent.sln")))
        {
            root = root.Parent;
        }
        var folder = root is null ? null : Path.GetFullPath(Path.Combine(root.FullName, "..", "shared", "data", name));
        if (folder is not null && Directory.Exists(folder))
        {
            return folder;
        }
        var message = $"../shared/data not found: {folder ?? "(no ChatAgent.sln above " + AppContext.BaseDirectory + ")"}";
        if (Environment.GetEnvironmentVariable("CHATAGENT_REQUIRE_SHARED") == "1")
        {
            Assert.Fail(message);
        }
        Assert.Skip(message);
        return null!;
    }
}
