using System.Net;
using System.Net.Sockets;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>The agent's parts wired in-process, as the worker wires them.</summary>
internal sealed class Harness : IDisposable
{
    public Harness(AgentOptions options)
    {
        Options = options;
        Metrics = new AgentMetrics();
        Models = new ModelHost(options, Metrics, NullLogger<ModelHost>.Instance);
        Processor = new FrameProcessor(options, Models, Metrics, NullLogger.Instance, null);
        Events = new SourceEvents { Restarted = _ => Metrics.SourceRestarted(), BadFrame = Metrics.BadFrame };
    }

    public AgentOptions Options { get; }
    public AgentMetrics Metrics { get; }
    public ModelHost Models { get; }
    public FrameProcessor Processor { get; }
    public SourceEvents Events { get; }
    public List<Prediction> Predictions { get; } = [];

    public IFrameSource CreateSource() => FrameSourceFactory.Create(Options.Source, NullLogger.Instance, Events);

    public async Task<long> RunAsync(long maxFrames, CancellationToken ct = default)
    {
        using var source = CreateSource();
        var pipeline = new AgentPipeline(source, Processor, Metrics, NullLogger.Instance, Options.ChannelCapacity)
        {
            OnPrediction = p => { lock (Predictions) Predictions.Add(p); },
        };
        return await pipeline.RunAsync(maxFrames, ct);
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    public void Dispose()
    {
        Models.Dispose();
        Metrics.Dispose();
    }
}
