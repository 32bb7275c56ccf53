using System.Net.Sockets;
using System.Text;

namespace ChatAgent.Testing;

/// <summary>
/// Sends a request body with <c>Transfer-Encoding: chunked</c> over a plain socket, reading the response while it
/// writes, as a browser or curl does: a server may answer (413) and close before the whole body has gone, which
/// <see cref="HttpClient"/> reports as a failed send instead of the answer.
/// </summary>
public static class RawChunkedRequest
{
    /// <summary>The response's status code and body, and how many body bytes had been written when it came.</summary>
    public sealed record Result(int Status, string Body, long BytesSent);

    public static async Task<Result> PostAsync(string baseUrl, string path, byte[] body, string contentType, IDictionary<string, string>? headers = null)
    {
        var uri = new Uri(baseUrl);
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(uri.Host, uri.Port);
        var stream = tcp.GetStream();
        var head = new StringBuilder()
            .Append($"POST {path} HTTP/1.1\r\nHost: {uri.Authority}\r\nTransfer-Encoding: chunked\r\nContent-Type: {contentType}\r\n");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            head.Append($"{name}: {value}\r\n");
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()));

        var reading = ReadResponseAsync(stream);
        long sent = 0;
        try
        {
            for (var offset = 0; offset < body.Length && !reading.IsCompleted; offset += 64 * 1024)
            {
                var count = Math.Min(64 * 1024, body.Length - offset);
                await stream.WriteAsync(Encoding.ASCII.GetBytes($"{count:x}\r\n"));
                await stream.WriteAsync(body.AsMemory(offset, count));
                await stream.WriteAsync("\r\n"u8.ToArray());
                sent += count;
            }
            if (!reading.IsCompleted)
            {
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray());
            }
        }
        catch (IOException)
        {
            // The server stopped reading (it has answered): the answer is what counts.
        }
        var (status, text) = await reading.WaitAsync(TimeSpan.FromSeconds(60));
        return new Result(status, text, sent);
    }

    private static async Task<(int Status, string Body)> ReadResponseAsync(NetworkStream stream)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        while (true)
        {
            int read;
            try
            {
                read = await stream.ReadAsync(chunk);
            }
            catch (IOException)
            {
                break;
            }
            if (read == 0)
            {
                break;
            }
            buffer.Write(chunk, 0, read);
            var text = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            var end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end >= 0 && text.StartsWith("HTTP/1.1 100", StringComparison.Ordinal))
            {
                buffer.SetLength(0);
                buffer.Write(Encoding.UTF8.GetBytes(text[(end + 4)..]));
                continue;
            }
            if (end >= 0 && TryComplete(text, end, out var result))
            {
                return result;
            }
        }
        var all = Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        var headerEnd = all.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return headerEnd < 0 ? (0, all) : (int.Parse(all.Split(' ')[1]), all[(headerEnd + 4)..]);
    }

    /// <summary>A response with a Content-Length is complete once that much body has come.</summary>
    private static bool TryComplete(string text, int headerEnd, out (int Status, string Body) result)
    {
        result = default;
        var headers = text[..headerEnd].Split("\r\n");
        var length = headers.Skip(1).Select(h => h.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim())).Cast<int?>().FirstOrDefault();
        var body = text[(headerEnd + 4)..];
        if (length is null || Encoding.UTF8.GetByteCount(body) < length)
        {
            return false;
        }
        result = (int.Parse(headers[0].Split(' ')[1]), body);
        return true;
    }
}
