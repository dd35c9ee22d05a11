namespace EdgeToolkit.EdgeAgent.Observation;

/// <summary>
/// Sees every classified frame (the live page, frame capture, GPIO actions). The pipeline calls it on its
/// own threads, so an observer copies what it keeps and returns at once: it never blocks, waits for a
/// client or touches the disk there. An exception it throws is logged (rate-limited) and the frame goes on.
/// </summary>
public interface IFrameObserver
{
    /// <summary>
    /// Decode thread, before the frame's buffer is returned: true when <see cref="OnFrame"/> should receive this
    /// frame's bytes (they are then copied into a reused buffer of the input slot). Must be cheap.
    /// </summary>
    bool WantsFrameBytes(long sequence);

    /// <summary>Inference thread, after top-k: the prediction, the stage times and, when asked for, the frame's bytes.</summary>
    void OnFrame(in FrameObservation frame);
}
