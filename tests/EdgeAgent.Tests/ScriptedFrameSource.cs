using EdgeToolkit.EdgeAgent.Frames;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>
/// Delivers a fixed list of encoded frames once (sequence = index), live or with backpressure, and keeps
/// every <see cref="Frame"/> it made so a test can check that all pooled buffers were returned.
/// </summary>
internal sealed class ScriptedFrameSource(IReadOnlyList<byte[]> frames, bool live) : IFrameSource
{
    private readonly List<Frame> made = [];
    private int delivering = -1;

    public string Description => $"scripted ({frames.Count} frames)";

    public bool IsLive => live;

    /// <summary>Index of the frame being handed to the pipeline (the hand-off blocks while the channel is full).</summary>
    public int Delivering => Volatile.Read(ref delivering);

    /// <summary>Frames handed over so far.</summary>
    public int Delivered { get; private set; }

    public void Run(Action<Frame> deliver, CancellationToken cancellationToken)
    {
        for (int i = 0; i < frames.Count && !cancellationToken.IsCancellationRequested; i++)
        {
            var frame = Frame.Copy(frames[i], FrameFormat.Encoded, 0, 0, i);
            lock (made) made.Add(frame);
            Volatile.Write(ref delivering, i);
            deliver(frame);
            Delivered++;
        }
    }

    /// <summary>Number of frames whose buffer is still rented (not disposed by the pipeline).</summary>
    public int StillRented()
    {
        lock (made)
        {
            return made.Count(f =>
            {
                try { _ = f.Data; return true; }
                catch (ObjectDisposedException) { return false; }
            });
        }
    }

    public void Dispose() { }
}
