using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Telemetry;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.ModelBundle.Runtime;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Inference;

/// <summary>
/// Owns the serving <see cref="ModelRunner"/> and swaps it atomically when the bundle folder changes:
/// the new bundle is read, validated (hash, graph) and warmed up beside the old one; a bad bundle is
/// refused (logged, counted, reported in status and health) and the old one, or none, keeps serving while
/// the folder is still watched. Any exception while loading is a refusal, and a load that runs past
/// <see cref="AgentOptions.ReloadTimeoutSeconds"/> is abandoned and refused, so no bundle can stop later ones. Runners are reference counted so a runner
/// in use by a frame is disposed only after that frame is done.
/// </summary>
public sealed class ModelHost : IDisposable
{
    private readonly AgentOptions options;
    private readonly AgentMetrics metrics;
    private readonly ILogger logger;
    private readonly Lock gate = new();
    private ModelLease? current;
    private string? servedFingerprint;
    private string? refusedFingerprint;
    private string? pendingFingerprint;
    private string? loggedFallback;

    /// <summary>Creates the host; nothing is loaded until <see cref="TryLoad"/>.</summary>
    public ModelHost(AgentOptions options, AgentMetrics metrics, ILogger<ModelHost> logger)
    {
        this.options = options;
        this.metrics = metrics;
        this.logger = logger;
    }

    /// <summary>True when a model is serving.</summary>
    public bool IsLoaded => Volatile.Read(ref current) is not null;

    /// <summary>Number of successful loads (1 after the first).</summary>
    public int Generation { get; private set; }

    /// <summary>When the serving model was loaded (UTC), or null.</summary>
    public DateTimeOffset? LoadedAt { get; private set; }

    /// <summary>The manifest being served, or null.</summary>
    public BundleManifest? Manifest => Volatile.Read(ref current)?.Runner.Bundle.Manifest;

    /// <summary>The execution provider of the serving model (requested, used, why they differ), or null.</summary>
    public ProviderSession? Provider => Volatile.Read(ref current)?.Runner.Provider;

    /// <summary>The last load error, or null.</summary>
    public string? LastError { get; private set; }

    /// <summary>
    /// Loads the bundle if its folder changed since the last attempt (or nothing serves yet). Returns true
    /// when a new model now serves. Never throws for a bad bundle: whatever goes wrong is logged and counted.
    /// </summary>
    public bool TryLoad(bool debounce = false)
    {
        string fingerprint;
        try
        {
            fingerprint = Fingerprint(options.Bundle);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            fingerprint = $"unreadable: {e.Message}";
        }
        if (fingerprint == servedFingerprint || fingerprint == refusedFingerprint) return false;
        if (debounce && fingerprint != pendingFingerprint)
        {
            // Wait one more poll: a copy in progress changes the fingerprint again.
            pendingFingerprint = fingerprint;
            return false;
        }
        pendingFingerprint = null;
        ModelRunner runner;
        string folder = options.Bundle;
        int threads = options.InferenceThreads(Environment.ProcessorCount);
        // ModelRunner.Load checks the graph on its own session. On a worker so a load that hangs can be abandoned.
        var requested = options.ExecutionProvider;
        var providerOptions = options.ProviderOptions;
        bool arena = options.OrtMemoryArena;
        var load = Task.Run(() => ModelRunner.Load(ModelBundleFolder.Read(folder, checkGraph: false), threads, provider: requested, providerOptions: providerOptions,
            memoryArena: arena));
        var timeout = TimeSpan.FromSeconds(options.ReloadTimeoutSeconds);
        try
        {
            if (Task.WhenAny(load, Task.Delay(timeout)).GetAwaiter().GetResult() != load)
            {
                // It may still finish: then its runner is disposed, never served.
                load.ContinueWith(t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
                Refuse(fingerprint, $"{folder}: loading took longer than {timeout.TotalSeconds:0.#} s (EdgeAgent:ReloadTimeoutSeconds) and was abandoned");
                return false;
            }
            runner = load.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Refuse(fingerprint, e is BundleException or IOException ? e.Message : $"{folder}: {e.GetType().Name}: {e.Message}");
            return false;
        }
        // The lease is published in `current` (Volatile.Write below, for the lock-free readers), which owns it from then
        // on: the next load or Dispose retires it. The analyzer does not see a Volatile.Write as a store to a field.
#pragma warning disable CA2000
        var lease = new ModelLease(this, runner, Generation + 1);
#pragma warning restore CA2000
        ModelLease? old;
        lock (gate)
        {
            old = current;
            Volatile.Write(ref current, lease);
        }
        old?.Retire();
        servedFingerprint = fingerprint;
        refusedFingerprint = null;
        LastError = null;
        Generation++;
        LoadedAt = DateTimeOffset.UtcNow;
        metrics.ModelLoad(ok: true);
        var m = runner.Bundle.Manifest;
        var provider = runner.Provider;
        // One line when the provider asked for is not the one running (not repeated at every hot reload).
        if (provider.Fallback is not null && provider.Fallback != loggedFallback)
            logger.LogWarning("EdgeAgent:ExecutionProvider {Requested}: {Fallback}", ExecutionProviderSelector.Name(provider.Requested), provider.Fallback);
        loggedFallback = provider.Fallback;
        if (ExecutionProviderSelector.PrecisionAdvice(provider.Used, m.Precision) is { } advice)
            logger.LogWarning("EdgeAgent:ExecutionProvider {Provider}: {Advice}", ExecutionProviderSelector.Name(provider.Used), advice);
        logger.LogInformation("Model {Generation} serving on {Provider}: {Architecture} {Precision} input [{Shape}] {Labels} labels sha256 {Sha}",
            Generation, ExecutionProviderSelector.Name(provider.Used), m.Architecture, KebabCase.Name(m.Precision), string.Join(",", m.InputShape), m.Labels.Count, m.Sha256[..Math.Min(12, m.Sha256.Length)]);
        return true;
    }

    private void Refuse(string fingerprint, string error)
    {
        refusedFingerprint = fingerprint;
        LastError = error;
        metrics.ModelLoad(ok: false);
        logger.LogError("Bundle {Folder} refused ({Serving}): {Error}", options.Bundle,
            IsLoaded ? "the previous model keeps serving" : "no model is serving", error);
    }

    /// <summary>Polls the bundle folder every <see cref="AgentOptions.ReloadPollSeconds"/> until cancelled.</summary>
    public async Task WatchAsync(CancellationToken ct)
    {
        if (options.ReloadPollSeconds <= 0) return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.ReloadPollSeconds));
        try
        {
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false))
            {
                try { TryLoad(debounce: true); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Bundle watch failed; retrying at the next poll");
                }
            }
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>Takes the serving runner for one frame; dispose the lease when done. Null when none serves.</summary>
    public ModelLease? Acquire()
    {
        lock (gate)
        {
            var lease = current;
            lease?.AddRef();
            return lease;
        }
    }

    internal Lock Gate => gate;

    /// <summary>A cheap change detector: names, sizes and write times of the folder's files.</summary>
    public static string Fingerprint(string folder)
    {
        if (!Directory.Exists(folder)) return "missing";
        var parts = new DirectoryInfo(folder).EnumerateFiles()
            .Where(f => !f.Name.EndsWith(".tmp", StringComparison.Ordinal) && !AtomicFile.IsTempName(f.Name))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}");
        return string.Join("|", parts);
    }

    /// <summary>Disposes the serving runner.</summary>
    public void Dispose()
    {
        ModelLease? old;
        lock (gate)
        {
            old = current;
            current = null;
        }
        old?.Retire();
    }
}
