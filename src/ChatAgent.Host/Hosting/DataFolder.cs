using System.Security.Cryptography;

namespace ChatAgent.Host.Hosting;

/// <summary>
/// The folder where the host keeps what must survive a restart besides the database: the generated Direct Line
/// secret and the ASP.NET Core DataProtection keys (sign-in cookies). <c>Hosting:DataDirectory</c>, default
/// <c>data</c> under the content root (the folder with <c>appsettings.json</c>).
/// </summary>
public sealed class DataFolder
{
    public const string ConfigKey = "Hosting:DataDirectory";

    public DataFolder(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
    }

    /// <summary>The absolute path of the folder (created if absent).</summary>
    public string Path { get; }

    /// <summary>Reads <c>Hosting:DataDirectory</c> (relative paths are under <paramref name="contentRoot"/>).</summary>
    public static DataFolder FromConfiguration(IConfiguration configuration, string contentRoot)
    {
        var configured = configuration[ConfigKey];
        var path = string.IsNullOrWhiteSpace(configured) ? "data" : configured;
        return new DataFolder(System.IO.Path.IsPathRooted(path) ? path : System.IO.Path.Combine(contentRoot, path));
    }

    /// <summary>
    /// A random secret made once and kept in <paramref name="fileName"/> (readable by the owner only), so what it
    /// signs stays valid across restarts.
    /// </summary>
    public string ReadOrCreateSecret(string fileName, out bool created)
    {
        var file = System.IO.Path.Combine(Path, fileName);
        if (File.Exists(file))
        {
            var existing = File.ReadAllText(file).Trim();
            if (existing.Length >= 16)
            {
                created = false;
                return existing;
            }
        }
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var writer = new StreamWriter(file, System.Text.Encoding.UTF8, options))
        {
            writer.Write(secret);
        }
        created = true;
        return secret;
    }
}
