using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.EdgeAgent.Live;

/// <summary>
/// The live page's one hand-off buffer between the inference thread and the encoder: the frame's bytes, the model
/// input and the result of one frame. Its arrays are reused (grown only when a frame or input is larger), so taking
/// a snapshot allocates nothing on the inference thread; <see cref="LiveView"/> fills it only while the encoder is idle.
/// </summary>
public sealed class LiveFrameCopy
{
    private byte[] frame = [];
    private float[] input = [];
    private int frameLength;
    private int inputLength;

    /// <summary>Frame sequence number.</summary>
    public long Sequence => Prediction?.Sequence ?? 0;

    /// <summary>The frame's result.</summary>
    public Prediction? Prediction { get; private set; }

    /// <summary>Stage times of the frame.</summary>
    public StageTimes Times { get; private set; }

    /// <summary>The manifest of the model that classified it.</summary>
    public BundleManifest? Manifest { get; private set; }

    /// <summary>Layout of <see cref="FrameBytes"/>.</summary>
    public FrameFormat Format { get; private set; }

    /// <summary>Raw frame width (0 when encoded).</summary>
    public int Width { get; private set; }

    /// <summary>Raw frame height (0 when encoded).</summary>
    public int Height { get; private set; }

    /// <summary>When the copy was taken (the frame's result time).</summary>
    public DateTimeOffset Time { get; private set; }

    /// <summary>The frame's bytes as the source gave them.</summary>
    public ReadOnlySpan<byte> FrameBytes => frame.AsSpan(0, frameLength);

    /// <summary>The model input (NCHW, normalised).</summary>
    public ReadOnlySpan<float> Input => input.AsSpan(0, inputLength);

    /// <summary>Copies <paramref name="observation"/>'s frame bytes, input and result into the reused buffers.</summary>
    public void Fill(in FrameObservation observation)
    {
        frameLength = CopyInto(observation.FrameBytes, ref frame);
        inputLength = CopyInto(observation.Input, ref input);
        Prediction = observation.Prediction;
        Times = observation.Times;
        Manifest = observation.Manifest;
        Format = observation.Format;
        Width = observation.Width;
        Height = observation.Height;
        Time = DateTimeOffset.UtcNow;
    }

    private static int CopyInto<T>(ReadOnlySpan<T> source, ref T[] buffer)
    {
        if (buffer.Length < source.Length) buffer = new T[Math.Max(source.Length, buffer.Length * 2)];
        source.CopyTo(buffer);
        return source.Length;
    }
}
