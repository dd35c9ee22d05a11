using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.EdgeAgent.Observation;

/// <summary>
/// One classified frame as an <see cref="IFrameObserver"/> sees it. The spans point into buffers the pipeline
/// reuses for the next frame: valid only during <see cref="IFrameObserver.OnFrame"/>.
/// </summary>
public readonly ref struct FrameObservation
{
    /// <summary>Creates the observation.</summary>
    public FrameObservation(Prediction prediction, StageTimes times, BundleManifest manifest, ReadOnlySpan<float> input,
        ReadOnlySpan<byte> frameBytes, FrameFormat format, int width, int height)
    {
        Prediction = prediction;
        Times = times;
        Manifest = manifest;
        Input = input;
        FrameBytes = frameBytes;
        Format = format;
        Width = width;
        Height = height;
    }

    /// <summary>The result (top-k labels and probabilities).</summary>
    public Prediction Prediction { get; }

    /// <summary>Per-stage latency of this frame.</summary>
    public StageTimes Times { get; }

    /// <summary>The manifest of the model that classified it.</summary>
    public BundleManifest Manifest { get; }

    /// <summary>The model input after preprocessing (NCHW, normalised), as the model saw it.</summary>
    public ReadOnlySpan<float> Input { get; }

    /// <summary>The frame's bytes as they came from the source; empty unless the observer asked for them.</summary>
    public ReadOnlySpan<byte> FrameBytes { get; }

    /// <summary>Layout of <see cref="FrameBytes"/>.</summary>
    public FrameFormat Format { get; }

    /// <summary>Width of a raw frame (0 for an encoded one).</summary>
    public int Width { get; }

    /// <summary>Height of a raw frame (0 for an encoded one).</summary>
    public int Height { get; }
}
