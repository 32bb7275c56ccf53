namespace ChatAgent.Shop.Tests;

/// <summary>Finds ../shared/data next to the repository; skips (or fails, with CHATAGENT_REQUIRE_SHARED=1) when absent.</summary>
internal static class SharedData
{
    public static string? RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatAgent.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }

    public static string? TryFind(string relative)
    {
        var root = RepositoryRoot();
        if (root is null)
        {
            return null;
        }
        var path = Path.GetFullPath(Path.Combine(root, "..", "shared", "data", relative));
        return File.Exists(path) || Directory.Exists(path) ? path : null;
    }

    /// <summary>The path of <paramref name="relative"/> under ../shared/data, or skips the test.</summary>
    public static string Require(string relative)
    {
        var path = TryFind(relative);
        if (path is not null)
        {
            return path;
        }
        var message = $"../shared/data not found: {relative} (looked next to {RepositoryRoot() ?? "no repository root"})";
        if (Environment.GetEnvironmentVariable("CHATAGENT_REQUIRE_SHARED") == "1")
        {
            Assert.Fail(message);
        }
        Assert.Skip(message);
        return null!;
    }
}
