namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>
/// A camera or stream delivering frames. <see cref="Run"/> is called on a dedicated capture thread and
/// returns when the token is cancelled or a finite source ends; lost devices are retried inside it.
/// </summary>
public interface IFrameSource : IDisposable
{
    /// <summary>Short description for logs (kind and path/device).</summary>
    string Description { get; }

    /// <summary>
    /// True when frames arrive at the source's own pace (camera, child process, paced synthetic): the
    /// channel then drops the oldest frame when processing lags. False: capture waits for processing.
    /// </summary>
    bool IsLive { get; }

    /// <summary>Captures until cancelled or the source ends, handing every frame to <paramref name="deliver"/> (which takes ownership).</summary>
    void Run(Action<Frame> deliver, CancellationToken cancellationToken);
}
