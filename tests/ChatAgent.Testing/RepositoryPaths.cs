using Xunit;

namespace ChatAgent.Testing;

/// <summary>Where things are, seen from a test's output folder.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root (the folder holding ChatAgent.sln).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests were built with (Debug or Release).</summary>
    public static string Configuration { get; } =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    /// <summary>The host executable's own build output (<c>chatagent.dll</c>), for tests that run it as a process.</summary>
    public static string HostAssembly => Path.Combine(Root, "src", "ChatAgent.Host", "bin", Configuration, "net10.0", "chatagent.dll");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ChatAgent.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"ChatAgent.sln not found above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// The datasets in <c>../shared/data</c> (beside the clone; never copied into the repository). Absent on a user's
/// fresh clone: tests skip with the reason — unless <c>CHATAGENT_REQUIRE_SHARED=1</c> (CI), where absence fails.
/// </summary>
public static class SharedData
{
    public const string RequireVariable = "CHATAGENT_REQUIRE_SHARED";

    public static string Directory { get; } = Path.GetFullPath(Path.Combine(RepositoryPaths.Root, "..", "shared", "data"));

    /// <summary>The full path of a file under ../shared/data, or a skip (fail in CI) when it is missing.</summary>
    public static string Require(string relativePath)
    {
        var path = Path.Combine(Directory, relativePath);
        if (File.Exists(path))
        {
            return path;
        }
        var reason = $"../shared/data/{relativePath} not found at {path}: the shared datasets live beside the clone (see README).";
        if (Environment.GetEnvironmentVariable(RequireVariable) == "1")
        {
            Assert.Fail(reason + $" {RequireVariable}=1 requires them.");
        }
        Assert.Skip(reason);
        return path;
    }
}
