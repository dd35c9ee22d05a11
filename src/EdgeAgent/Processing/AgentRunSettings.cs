using EdgeToolkit.EdgeAgent.Observation;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>What differs between the users of <see cref="AgentRun"/> (the worker, the bench, the test harness); everything else comes from the options.</summary>
public sealed record AgentRunSettings
{
    /// <summary>Observers of every classified frame (live page, capture, GPIO): the worker's.</summary>
    public IReadOnlyList<IFrameObserver> Observers { get; init; } = [];

    /// <summary>The systemd watchdog's beat (<see cref="AgentPipeline.Heartbeat"/>): the worker's.</summary>
    public Action? Heartbeat { get; init; }

    /// <summary>Capture waits for processing even for a live source (<see cref="AgentPipeline.Backpressure"/>): the bench's.</summary>
    public bool Backpressure { get; init; }

    /// <summary>Called with every prediction (<see cref="AgentPipeline.OnPrediction"/>): tests'.</summary>
    public Action<Prediction>? OnPrediction { get; init; }

    /// <summary>Write results to <c>EdgeAgent:ResultsFile</c> when it is set.</summary>
    public bool WriteResults { get; init; } = true;
}
