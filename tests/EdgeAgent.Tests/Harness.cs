using System.Net;
using System.Net.Sockets;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>The agent's parts wired in-process by the worker's own composition (<see cref="AgentRun"/>).</summary>
internal sealed class Harness : IDisposable
{
    public Harness(AgentOptions options, params Observation.IFrameObserver[] observers)
    {
        Options = options;
        Metrics = new AgentMetrics();
        Models = new ModelHost(options, Metrics, NullLogger<ModelHost>.Instance);
        Processor = AgentRun.CreateProcessor(options, Models, Metrics, NullLogger.Instance, null, new AgentRunSettings { Observers = observers });
    }

    public AgentOptions Options { get; }
    public AgentMetrics Metrics { get; }
    public ModelHost Models { get; }
    public FrameProcessor Processor { get; }
    public List<Prediction> Predictions { get; } = [];

    /// <summary>Called on the inference thread after each prediction is recorded.</summary>
    public Action<Prediction>? AfterPrediction { get; set; }

    public IFrameSource CreateSource() => AgentRun.CreateSource(Options, Metrics, NullLogger.Instance);

    public async Task<long> RunAsync(long maxFrames, CancellationToken ct = default)
    {
        using var source = CreateSource();
        return await RunAsync(source, maxFrames, ct);
    }

    /// <summary>Runs the pipeline over <paramref name="source"/> with this harness's options.</summary>
    public Task<long> RunAsync(IFrameSource source, long maxFrames, CancellationToken ct = default)
    {
        var pipeline = AgentRun.CreatePipeline(Options, source, Processor, Metrics, NullLogger.Instance, new AgentRunSettings
        {
            OnPrediction = p =>
            {
                lock (Predictions) Predictions.Add(p);
                AfterPrediction?.Invoke(p);
            },
        });
        return pipeline.RunAsync(maxFrames, ct);
    }

    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        Processor.Dispose();
        Models.Dispose();
        Metrics.Dispose();
    }
}
