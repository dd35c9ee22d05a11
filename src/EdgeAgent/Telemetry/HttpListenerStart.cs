using System.Net;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// Starts an <see cref="HttpListener"/> and survives a race in .NET's managed listener (seen in CI, .NET 10.0.12): its
/// endpoint starts accepting before it creates its connection table, so a client that connects between <c>listen()</c>
/// and the first accept (a health probe or a test polling while the agent starts) makes <see cref="HttpListener.Start"/>
/// throw <see cref="ArgumentNullException"/> and leaves the bound socket to the finalizer, where it keeps the port busy:
/// a plain retry fails with "Address already in use". Measured on a Zen 5 host with one client connecting in a loop
/// (<c>benchmarks/ListenerRace</c>): 4 to 38 such failures in 20,000 starts, each recovered by a repeat (at most 3 in a
/// row). The same race has a path this cannot reach: the spoiled endpoint has already re-armed its accept, and when a
/// connection completes an accept of an endpoint without its table on a thread-pool thread, the runtime's throw there
/// ends the process (4 of 9 runs of 20,000 starts under that loop): the agent then exits non-zero and systemd restarts it.
/// </summary>
public static class HttpListenerStart
{
    /// <summary>Starts tried before the race is reported as an error (each hit is independent and rarer than 1 in 100).</summary>
    public const int Attempts = 5;

    /// <summary>
    /// A started listener on <paramref name="prefix"/>; <paramref name="raceRetries"/> counts the starts the race
    /// spoiled. A port that cannot be bound throws <see cref="HttpListenerException"/> (not retried: it is not the race);
    /// <see cref="Attempts"/> spoiled starts in a row throw <see cref="InvalidOperationException"/> naming the prefix.
    /// </summary>
    public static HttpListener Start(string prefix, out int raceRetries) => Start(prefix, out raceRetries, static l => l.Start());

    /// <summary><see cref="Start(string, out int)"/> with the listener started by <paramref name="start"/> (tests stand in a spoiled start).</summary>
    internal static HttpListener Start(string prefix, out int raceRetries, Action<HttpListener> start)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        raceRetries = 0;
        while (true)
        {
            // A listener whose start failed is dropped, not closed: the runtime's Close removes its prefix through an
            // endpoint it creates for the purpose, which binds the port again (and fails with "Address already in use"
            // while the spoiled socket below still holds it). It holds nothing once its start failed.
            var listener = new HttpListener();
            listener.Prefixes.Add(prefix);
            try
            {
                start(listener);
                return listener;
            }
            catch (ArgumentNullException e)
            {
                // Monitor.Enter(null) inside the endpoint's first accept: the race above (the prefix is not null, so it is no
                // argument of ours; ParamName is not matched so a renamed runtime parameter cannot turn the retry off).
                if (++raceRetries >= Attempts)
                    throw new InvalidOperationException(
                        $"HTTP listener {prefix} did not start: a client connected during each of {Attempts} starts (.NET's listener accept race)", e);
                // The spoiled endpoint's socket is unreachable but still bound until finalized; collecting closes it so
                // the next start can bind the same port.
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
    }
}
