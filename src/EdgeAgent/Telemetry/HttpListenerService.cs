using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// The agent's small HTTP servers (health endpoint, live page): one <see cref="HttpListener"/> on
/// <see cref="Prefix"/>, each request answered on the thread pool so a slow client holds up no other request
/// and never the inference loop. A port that cannot be bound is logged naming <see cref="PortSetting"/> and the
/// server stays off; the agent keeps running. A client connecting while the server starts is survived
/// (<see cref="HttpListenerStart"/>).
/// </summary>
public abstract class HttpListenerService : BackgroundService
{
    private HttpListener? listener;

    /// <summary>Creates the server; <paramref name="logger"/> receives the start, bind failures and request errors.</summary>
    protected HttpListenerService(ILogger logger) => Logger = logger;

    /// <summary>The logger given to the constructor.</summary>
    protected ILogger Logger { get; }

    /// <summary>The prefix served, e.g. <c>http://127.0.0.1:9465/</c>.</summary>
    public abstract string Prefix { get; }

    /// <summary>What the server is, for log lines (e.g. "Health endpoint").</summary>
    protected abstract string Name { get; }

    /// <summary>The setting that chooses the port, named when it cannot be bound.</summary>
    protected abstract string PortSetting { get; }

    /// <summary>Answers one request (and closes its response).</summary>
    protected abstract Task HandleAsync(HttpListenerContext context, CancellationToken ct);

    /// <summary>Writes <paramref name="body"/> with <paramref name="status"/>, not cached, and closes the response.</summary>
    protected static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, byte[] body, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(body);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.Headers["Cache-Control"] = "no-store";
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body, ct).ConfigureAwait(false);
        response.Close();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        int raceRetries;
        try
        {
            listener = HttpListenerStart.Start(Prefix, out raceRetries);
        }
        catch (HttpListenerException e)
        {
            Logger.LogError("{Name} {Prefix} cannot listen: {Error} ({Setting})", Name, Prefix, e.Message, PortSetting);
            return;
        }
        if (raceRetries > 0)
            Logger.LogInformation("{Name} on {Prefix} (started {Retries} more time(s): a client connected while it started)", Name, Prefix, raceRetries);
        else
            Logger.LogInformation("{Name} on {Prefix}", Name, Prefix);
        using var stop = stoppingToken.Register(() =>
        {
            try { listener.Stop(); } catch (ObjectDisposedException) { }
        });
        while (!stoppingToken.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { break; }
            _ = Task.Run(() => ServeAsync(context, stoppingToken), CancellationToken.None);
        }
    }

    private async Task ServeAsync(HttpListenerContext context, CancellationToken ct)
    {
        try
        {
            await HandleAsync(context, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            Logger.LogDebug("{Name} request failed: {Error}", Name, e.Message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Logger.LogWarning(e, "{Name} request failed", Name);
            try { context.Response.Abort(); } catch (ObjectDisposedException) { }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        base.Dispose();
        listener?.Close();
        GC.SuppressFinalize(this);
    }
}
