using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>A GET or HEAD request as the agent's endpoints see it: the path (no query) and the query (without '?').</summary>
/// <param name="Method">GET or HEAD (the server answers anything else itself, 405).</param>
/// <param name="Path">The request target's path, e.g. <c>/state.json</c>, as sent (not unescaped).</param>
/// <param name="Query">What followed '?', or empty.</param>
public readonly record struct HttpGetRequest(string Method, string Path, string Query);

/// <summary>An answer: status, content type and the whole body (sent with its length, never cached by the client).</summary>
public sealed record HttpReply(int Status, string ContentType, byte[] Body)
{
    /// <summary>A plain-text answer.</summary>
    public static HttpReply Text(int status, string text) => new(status, "text/plain; charset=utf-8", Encoding.UTF8.GetBytes(text));
}

/// <summary>Limits of <see cref="HttpGetServer"/>; the defaults fit a few browsers and probes on one device.</summary>
public sealed record HttpGetServerLimits
{
    /// <summary>Request line and headers together; a larger head is answered 431 and the connection closed.</summary>
    public int MaxHeadBytes { get; init; } = 8192;

    /// <summary>Connections served at once; one more is answered 503 and closed (a browser opens about 6).</summary>
    public int MaxConnections { get; init; } = 64;

    /// <summary>How long a client may take to send a request's head, and to take an answer, before it is dropped.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a kept-alive connection may wait for its next request.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The agent's HTTP server (health endpoint, live page): HTTP/1.1 GET and HEAD on one listening socket, answers
/// computed by a handler from the path and sent with their length, connections kept alive. It replaces .NET's
/// <see cref="HttpListener"/>, whose managed endpoint accepts before it creates its connection table: a client
/// connecting while it starts (a health probe during a restart) spoiled the start, and when the connection completed
/// the accept on a thread-pool thread, ended the process (4 of 9 runs of 20,000 starts, docs/agent.md). Here the socket is
/// bound and listening before the first accept is posted, and every connection is served by its own task whose errors are
/// caught and logged: a client can make one request fail, never the server. Bounded by <see cref="HttpGetServerLimits"/>
/// (head size, connections, timeouts) so a slow or hostile client holds a connection for seconds, not forever.
/// A request whose Host header names neither the bound address nor a name of it (<see cref="ServesHost"/>) is answered
/// 400: a page on loopback stays unreadable to a web page that rebinds its own name to 127.0.0.1.
/// </summary>
public sealed class HttpGetServer : IAsyncDisposable
{
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();
    private readonly Socket listener;
    private readonly Func<HttpGetRequest, HttpReply> handler;
    private readonly ILogger logger;
    private readonly HttpGetServerLimits limits;
    private readonly string host;
    private readonly bool anyHost;
    private readonly bool loopback;
    private readonly IPAddress address;
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;
    private int open;
    private long served;

    private HttpGetServer(Socket listener, string host, Func<HttpGetRequest, HttpReply> handler, ILogger logger, HttpGetServerLimits limits)
    {
        this.listener = listener;
        this.host = host;
        this.handler = handler;
        this.logger = logger;
        this.limits = limits;
        address = ((IPEndPoint)listener.LocalEndPoint!).Address;
        anyHost = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
        loopback = IPAddress.IsLoopback(address);
        accepting = Task.Run(AcceptAsync);
    }

    /// <summary>The address and port listened on (the port the system chose when 0 was asked).</summary>
    public IPEndPoint EndPoint => (IPEndPoint)listener.LocalEndPoint!;

    /// <summary>Requests answered so far (all statuses).</summary>
    public long Served => Interlocked.Read(ref served);

    /// <summary>
    /// Listens on <paramref name="host"/> (an address, a name resolved once, or <c>*</c>, <c>+</c>, <c>0.0.0.0</c> or
    /// <c>::</c> for every interface) and <paramref name="port"/>, and starts accepting. A port that cannot be bound throws
    /// <see cref="SocketException"/> (e.g. <see cref="SocketError.AddressAlreadyInUse"/>); a host that does not resolve,
    /// <see cref="SocketException"/> too.
    /// </summary>
    public static HttpGetServer Start(string host, int port, Func<HttpGetRequest, HttpReply> handler, ILogger logger, HttpGetServerLimits? limits = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        return new HttpGetServer(Listen(host, port), host, handler, logger, limits ?? new HttpGetServerLimits());
    }

    /// <summary>
    /// A socket bound to <paramref name="host"/> (<see cref="Resolve"/>) and <paramref name="port"/> and listening: what
    /// <see cref="Start"/> serves on, and what a caller closes at once to learn whether the port is free. Throws
    /// <see cref="SocketException"/> when the port cannot be bound or the host does not resolve.
    /// </summary>
    public static Socket Listen(string host, int port)
    {
        var address = Resolve(host);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(128);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The address <paramref name="host"/> stands for: every interface for <c>*</c>/<c>+</c>, else parsed or resolved (IPv4 first).</summary>
    public static IPAddress Resolve(string host)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        string h = host.Trim('[', ']');
        if (h is "*" or "+") return IPAddress.Any;
        if (string.Equals(h, "localhost", StringComparison.OrdinalIgnoreCase)) return IPAddress.Loopback;
        if (IPAddress.TryParse(h, out var parsed)) return parsed;
        var found = Dns.GetHostAddresses(h);
        return found.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? found.FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// Whether a request naming <paramref name="requestHost"/> in its Host header (port removed) is served: always when
    /// listening on every interface; else the configured host, and on loopback also <c>localhost</c>, <c>127.0.0.1</c> and
    /// <c>[::1]</c>.
    /// </summary>
    public bool ServesHost(string requestHost)
    {
        if (anyHost) return true;
        if (string.Equals(requestHost, host, StringComparison.OrdinalIgnoreCase)) return true;
        if (IPAddress.TryParse(requestHost.Trim('[', ']'), out var a) && a.Equals(address)) return true;
        return loopback && (string.Equals(requestHost, "localhost", StringComparison.OrdinalIgnoreCase)
            || requestHost is "127.0.0.1" or "[::1]");
    }

    /// <summary>
    /// Stops accepting and ends the connections waiting for a request; answers being sent are finished. Returns when every
    /// connection has ended (at most about <see cref="HttpGetServerLimits.RequestTimeout"/>, for a client not reading).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (stopping.IsCancellationRequested) return;
        await stopping.CancelAsync().ConfigureAwait(false);
        listener.Dispose();
        await accepting.ConfigureAwait(false);
        var deadline = DateTime.UtcNow + limits.RequestTimeout + TimeSpan.FromSeconds(1);
        while (Volatile.Read(ref open) > 0 && DateTime.UtcNow < deadline) await Task.Delay(5).ConfigureAwait(false);
        if (Volatile.Read(ref open) == 0) stopping.Dispose(); // else a connection still links to it; it is collected with the server
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // A connection reset before it was accepted, or out of descriptors for a moment: the listener is fine.
                // The pause keeps a lasting error (descriptors) from spinning this loop.
                logger.LogDebug("accept failed: {Error}", e.Message);
                try { await Task.Delay(10, stopping.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                continue;
            }
            bool overLimit = Interlocked.Increment(ref open) > limits.MaxConnections;
            _ = Task.Run(() => ServeConnectionAsync(client, overLimit), CancellationToken.None);
        }
    }

    private async Task ServeConnectionAsync(Socket client, bool overLimit)
    {
        using (client)
        {
            if (overLimit)
            {
                byte[] busy = "busy\n"u8.ToArray();
                await TrySendAsync(client, Head(503, "text/plain; charset=utf-8", busy.Length, close: true, "\r\n"u8), busy).ConfigureAwait(false);
                Interlocked.Decrement(ref open);
                return;
            }
            client.NoDelay = true;
            byte[] buffer = ArrayPool<byte>.Shared.Rent(limits.MaxHeadBytes);
            // Waiting for a request ends when the server stops; an answer being sent is finished (within RequestTimeout),
            // so a client never reads half an answer because the agent stopped.
            using var receiving = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            using var sending = new CancellationTokenSource();
            try
            {
                await ServeRequestsAsync(client, buffer, receiving, sending).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
            {
                logger.LogDebug("connection from {Client} ended: {Error}", SafeRemote(client), e.Message);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                logger.LogWarning(e, "connection from {Client} failed", SafeRemote(client));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                Interlocked.Decrement(ref open);
            }
        }
    }

    private async Task ServeRequestsAsync(Socket client, byte[] buffer, CancellationTokenSource receiving, CancellationTokenSource sending)
    {
        int filled = 0;
        bool first = true;
        while (!stopping.IsCancellationRequested)
        {
            // The first request must arrive within RequestTimeout; a kept-alive connection may idle longer between requests.
            int end;
            bool started = filled > 0;
            receiving.CancelAfter(first || started ? limits.RequestTimeout : limits.IdleTimeout);
            while ((end = buffer.AsSpan(0, filled).IndexOf(HeadEnd)) < 0)
            {
                if (filled >= limits.MaxHeadBytes)
                {
                    sending.CancelAfter(limits.RequestTimeout);
                    await SendAsync(client, Head(431, "text/plain; charset=utf-8", 0, close: true, "\r\n"u8), [], isHead: false, sending.Token).ConfigureAwait(false);
                    await CloseUnreadAsync(client, buffer).ConfigureAwait(false);
                    return;
                }
                int n = await client.ReceiveAsync(buffer.AsMemory(filled, limits.MaxHeadBytes - filled), SocketFlags.None, receiving.Token).ConfigureAwait(false);
                if (n == 0) return; // the client closed
                if (!started)
                {
                    started = true;
                    receiving.CancelAfter(limits.RequestTimeout);
                }
                filled += n;
            }
            first = false;
            int consumed = end + HeadEnd.Length;
            var parsed = Parse(Encoding.Latin1.GetString(buffer, 0, end));
            HttpReply reply;
            bool close = parsed.Close;
            bool unread = parsed.HasBody; // bytes of this request the connection still holds
            if (parsed.Error is not null)
            {
                reply = parsed.Error;
                close = unread = true;
            }
            else if (parsed.Host!.Length > 0 && !ServesHost(parsed.Host)) // no Host: HTTP/1.0, not a browser
            {
                reply = HttpReply.Text(400, $"host '{parsed.Host}' is not served here\n");
                close = true;
            }
            else if (parsed.Request.Method is not ("GET" or "HEAD"))
            {
                reply = HttpReply.Text(405, "GET or HEAD only\n");
                close = true; // its body, if any, is not read
            }
            else
            {
                try
                {
                    reply = handler(parsed.Request);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    logger.LogWarning(e, "{Method} {Path} failed", parsed.Request.Method, parsed.Request.Path);
                    reply = HttpReply.Text(500, "internal error\n");
                    close = true;
                }
                if (parsed.HasBody) close = true; // a GET with a body: not read, so the connection cannot carry another request
            }
            close |= stopping.IsCancellationRequested;
            sending.CancelAfter(limits.RequestTimeout);
            bool isHead = parsed.Request.Method == "HEAD";
            ReadOnlySpan<byte> extra = reply.Status == 405 ? "Allow: GET, HEAD\r\n\r\n"u8 : "\r\n"u8;
            await SendAsync(client, Head(reply.Status, reply.ContentType, reply.Body.Length, close, extra), reply.Body, isHead, sending.Token).ConfigureAwait(false);
            Interlocked.Increment(ref served);
            if (close)
            {
                if (unread || filled > consumed) await CloseUnreadAsync(client, buffer).ConfigureAwait(false);
                else client.Shutdown(SocketShutdown.Send);
                return;
            }
            Buffer.BlockCopy(buffer, consumed, buffer, 0, filled - consumed);
            filled -= consumed;
        }
    }

    /// <summary>
    /// Ends the answer and reads what the client still sends (at most 64 KiB, 1 s) before the socket is closed: closing a
    /// socket with unread bytes makes the kernel reset the connection, and a client can lose the answer it was reading
    /// (a 431 or 405 it should see).
    /// </summary>
    private static async Task CloseUnreadAsync(Socket client, byte[] buffer)
    {
        client.Shutdown(SocketShutdown.Send);
        using var linger = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        int drained = 0, n;
        try
        {
            while (drained < 65536 && (n = await client.ReceiveAsync(buffer, SocketFlags.None, linger.Token).ConfigureAwait(false)) > 0) drained += n;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException) { }
    }

    /// <summary>The parsed head: the request, the Host header, whether to close after answering, or the error to answer.</summary>
    private readonly record struct ParsedHead(HttpGetRequest Request, string? Host, bool Close, bool HasBody, HttpReply? Error);

    private static ParsedHead Parse(string head)
    {
        static ParsedHead Bad(string why, int status = 400) => new(default, null, true, false, HttpReply.Text(status, why + "\n"));
        head = head.TrimStart('\r', '\n'); // an empty line before the request line is allowed (RFC 9112 2.2)
        int lineEnd = head.IndexOf("\r\n", StringComparison.Ordinal);
        string line = lineEnd < 0 ? head : head[..lineEnd];
        string[] parts = line.Split(' ');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0) return Bad("malformed request line");
        string version = parts[2];
        if (version is not ("HTTP/1.1" or "HTTP/1.0")) return Bad("HTTP/1.0 or HTTP/1.1 only", version.StartsWith("HTTP/", StringComparison.Ordinal) ? 505 : 400);
        string? hostHeader = null, connection = null;
        bool hasBody = false;
        foreach (string field in (lineEnd < 0 ? "" : head[(lineEnd + 2)..]).Split("\r\n"))
        {
            if (field.Length == 0) continue;
            int colon = field.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) return Bad("malformed header field");
            string name = field[..colon], value = field[(colon + 1)..].Trim();
            if (name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                if (hostHeader is not null) return Bad("more than one Host header");
                hostHeader = value;
            }
            else if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase)) connection = value;
            else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase)) hasBody = true;
            else if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) hasBody |= value != "0";
        }
        bool http11 = version == "HTTP/1.1";
        if (hostHeader is null && http11) return Bad("Host header missing");
        string target = parts[1];
        if (target.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            // absolute-form (a proxy's request): its authority is the host; the path follows it
            int slash = target.IndexOf('/', 7);
            hostHeader = slash < 0 ? target[7..] : target[7..slash];
            target = slash < 0 ? "/" : target[slash..];
        }
        else if (!target.StartsWith('/')) return Bad("request target must start with /");
        int q = target.IndexOf('?', StringComparison.Ordinal);
        var request = new HttpGetRequest(parts[0], q < 0 ? target : target[..q], q < 0 ? "" : target[(q + 1)..]);
        bool close = connection is not null
            ? connection.Contains("close", StringComparison.OrdinalIgnoreCase) || (!http11 && !connection.Contains("keep-alive", StringComparison.OrdinalIgnoreCase))
            : !http11;
        return new ParsedHead(request, StripPort(hostHeader ?? ""), close, hasBody, null);
    }

    /// <summary>The host part of a Host header: <c>127.0.0.1:9466</c> → <c>127.0.0.1</c>, <c>[::1]:9466</c> → <c>[::1]</c>.</summary>
    private static string StripPort(string value)
    {
        int bracket = value.LastIndexOf(']');
        int colon = value.LastIndexOf(':');
        return colon > bracket ? value[..colon] : value;
    }

    private static byte[] Head(int status, string contentType, int length, bool close, ReadOnlySpan<byte> end)
    {
        var head = new StringBuilder(192)
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {Reason(status)}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Date: {DateTime.UtcNow:R}\r\n")
            .Append("Content-Type: ").Append(contentType).Append("\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {length}\r\n")
            .Append("Cache-Control: no-store\r\n")
            .Append("X-Content-Type-Options: nosniff\r\n")
            .Append(close ? "Connection: close\r\n" : "Connection: keep-alive\r\n");
        string text = head.ToString();
        byte[] bytes = new byte[text.Length + end.Length]; // ASCII: one byte a character
        Encoding.ASCII.GetBytes(text, bytes);
        end.CopyTo(bytes.AsSpan(text.Length));
        return bytes;
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Status",
    };

    private static async Task SendAsync(Socket client, byte[] head, byte[] body, bool isHead, CancellationToken ct)
    {
        await client.SendAsync(head, SocketFlags.None, ct).ConfigureAwait(false);
        if (!isHead && body.Length > 0) await client.SendAsync(body, SocketFlags.None, ct).ConfigureAwait(false);
    }

    private static async Task TrySendAsync(Socket client, byte[] head, byte[] body)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await SendAsync(client, head, body, isHead: false, timeout.Token).ConfigureAwait(false);
            client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { }
    }

    private static string SafeRemote(Socket client)
    {
        try { return client.RemoteEndPoint?.ToString() ?? "?"; }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { return "?"; }
    }
}
