using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.ModelBundle;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>
/// One reused model input of the pipeline: a pinned NCHW float buffer with an <see cref="OrtValue"/> bound
/// to it, and the frame it currently holds (timestamps and the lease on the model it was preprocessed for).
/// It moves decode stage -> inference stage -> back to the free ring; one stage touches it at a time.
/// The buffer is reallocated only when a reloaded model needs another input shape.
/// </summary>
public sealed class InputSlot : IDisposable
{
    private float[] buffer = [];
    private OrtValue? value;
    private long[] shape = [];
    private ModelLease? lease;
    private Frames.Frame? kept;

    /// <summary>Sequence number of the frame held.</summary>
    public long Sequence { get; private set; }

    /// <summary>Where the frame held came from (<see cref="Frames.Frame.Source"/>).</summary>
    public string? Source { get; private set; }

    /// <summary>Capture timestamp of the frame held.</summary>
    public long CapturedTimestamp { get; private set; }

    /// <summary>When the decode stage took the frame from the channel.</summary>
    public long TakenTimestamp { get; private set; }

    /// <summary>When decoding ended.</summary>
    public long DecodedTimestamp { get; private set; }

    /// <summary>When preprocessing ended (the input is ready).</summary>
    public long PreparedTimestamp { get; private set; }

    /// <summary>True when the slot holds a preprocessed input and the lease of the model it fits.</summary>
    public bool IsPrepared => lease is not null;

    /// <summary>The model the input was preprocessed for; null for a bad frame.</summary>
    public ModelLease? Lease => lease;

    /// <summary>The model input as floats (valid while prepared).</summary>
    public ReadOnlySpan<float> Input => value is null ? [] : buffer;

    /// <summary>The bytes of the frame kept by <see cref="KeepFrame"/> for observers; empty when none was kept.</summary>
    public ReadOnlySpan<byte> FrameBytes => kept is null ? [] : kept.Data;

    /// <summary>Layout of <see cref="FrameBytes"/>.</summary>
    public Frames.FrameFormat FrameFormat => kept?.Format ?? Frames.FrameFormat.Encoded;

    /// <summary>Width of the kept raw frame.</summary>
    public int FrameWidth => kept?.Width ?? 0;

    /// <summary>Height of the kept raw frame.</summary>
    public int FrameHeight => kept?.Height ?? 0;

    /// <summary>
    /// Takes ownership of <paramref name="frame"/> until the slot is cleared, so observers see its bytes without a copy
    /// (the frame's pooled buffer goes back to the pool when <see cref="Clear"/> disposes it).
    /// </summary>
    public void KeepFrame(Frames.Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (!ReferenceEquals(kept, frame)) kept?.Dispose();
        kept = frame;
    }

    /// <summary>The input tensor over the buffer (valid while prepared).</summary>
    public OrtValue Value => value ?? throw new InvalidOperationException("the input slot holds no tensor");

    /// <summary>Starts holding a frame taken at <paramref name="taken"/>.</summary>
    public void Begin(long sequence, long captured, long taken, string? source = null)
    {
        Clear();
        Sequence = sequence;
        Source = source;
        CapturedTimestamp = captured;
        TakenTimestamp = taken;
    }

    /// <summary>Returns the buffer shaped for <paramref name="manifest"/>'s [1, C, H, W] input, (re)binding its tensor if the shape changed.</summary>
    public Span<float> Bind(BundleManifest manifest)
    {
        if (value is null || shape[1] != manifest.Channels || shape[2] != manifest.Height || shape[3] != manifest.Width)
        {
            value?.Dispose();
            value = null;
            shape = [1, manifest.Channels, manifest.Height, manifest.Width];
            buffer = GC.AllocateArray<float>(manifest.Channels * manifest.Height * manifest.Width, pinned: true);
            value = OrtValue.CreateTensorValueFromMemory(buffer, shape);
        }
        return buffer;
    }

    /// <summary>Marks the input ready for the model of <paramref name="model"/>; the slot now owns that lease.</summary>
    public void Prepared(ModelLease model, long decoded, long prepared)
    {
        lease = model;
        DecodedTimestamp = decoded;
        PreparedTimestamp = prepared;
    }

    /// <summary>Releases the lease (if any) and disposes the kept frame; the buffer and tensor are kept for reuse.</summary>
    public void Clear()
    {
        lease?.Dispose();
        lease = null;
        kept?.Dispose();
        kept = null;
        Sequence = CapturedTimestamp = TakenTimestamp = DecodedTimestamp = PreparedTimestamp = 0;
        Source = null;
    }

    /// <summary>Releases the lease and the tensor.</summary>
    public void Dispose()
    {
        Clear();
        value?.Dispose();
        value = null;
    }
}
