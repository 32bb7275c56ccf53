using Microsoft.AspNetCore.Http.Metadata;

namespace ChatAgent.Host.Hosting;

/// <summary>
/// Every request body is bounded by its endpoint's own limit (<see cref="WithRequestBodyLimit{TBuilder}"/>) or by
/// <c>Hosting:MaxRequestBodyBytes</c>, whether it has a <c>Content-Length</c> or is chunked: a declared length over the
/// limit is refused before reading, a chunked body stops being read at the limit. Either way the client gets 413.
/// </summary>
public static class RequestBodyLimits
{
    /// <summary>Sets the endpoint's (or group's) largest request body in bytes; Kestrel and the read both honour it.</summary>
    public static TBuilder WithRequestBodyLimit<TBuilder>(this TBuilder builder, long bytes) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequestBodyLimit(bytes));

    /// <summary>Adds the middleware that enforces the limits (after routing has chosen the endpoint).</summary>
    public static IApplicationBuilder UseRequestBodyLimits(this IApplicationBuilder app, long defaultLimit) => app.Use(async (http, next) =>
    {
        if (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method) || http.WebSockets.IsWebSocketRequest)
        {
            await next(http);
            return;
        }
        var limit = http.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize ?? defaultLimit;
        if (http.Request.ContentLength > limit)
        {
            await WriteTooLargeAsync(http, limit);
            return;
        }
        var body = new LimitedReadStream(http.Request.Body, limit);
        http.Request.Body = body;
        try
        {
            await next(http);
        }
        catch (Exception) when (body.Exceeded && !http.Response.HasStarted)
        {
            // Whatever the endpoint made of the cut-off read, the answer is the size.
        }
        if (body.Exceeded && !http.Response.HasStarted)
        {
            // Model binding answers a failed read with a bare status and no body: answer it here.
            http.Response.Clear();
            await WriteTooLargeAsync(http, limit);
        }
    });

    private static Task WriteTooLargeAsync(HttpContext http, long limit)
    {
        http.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        http.Response.Headers.Connection = "close";
        return http.Response.WriteAsJsonAsync(new Channels.DirectLine.DirectLineError(new Channels.DirectLine.DirectLineErrorDetail(
            "MessageSizeTooBig", $"The request body is larger than this endpoint accepts ({limit} bytes).")));
    }

    private sealed class RequestBodyLimit(long bytes) : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => bytes;
    }

    /// <summary>Reads through to the request body and fails once more than the limit has come.</summary>
    private sealed class LimitedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return Count(inner.Read(buffer, offset, count));
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                // Kestrel enforced the same limit first.
                Exceeded = true;
                throw;
            }
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return Count(await inner.ReadAsync(buffer, cancellationToken));
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                Exceeded = true;
                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(int read)
        {
            _read += read;
            if (_read > limit)
            {
                Exceeded = true;
                throw new BadHttpRequestException($"The request body is larger than {limit} bytes.", StatusCodes.Status413PayloadTooLarge);
            }
            return read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
