namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>Callbacks a source uses to report problems that are not frames (restarts, skipped bytes, bad frames found while splitting).</summary>
public sealed class SourceEvents
{
    /// <summary>Called when the source lost its device/child and will retry (reason).</summary>
    public Action<string> Restarted { get; init; } = _ => { };

    /// <summary>Called when the source found a frame it cannot deliver (reason, e.g. truncated, oversize).</summary>
    public Action<string> BadFrame { get; init; } = _ => { };

    /// <summary>A source that reports nothing.</summary>
    public static SourceEvents None { get; } = new();
}
