namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>Processing stages timed per frame.</summary>
public enum Stage
{
    /// <summary>Time queued: from capture until decoding starts, plus (overlapped) from preprocessed until inference starts.</summary>
    Wait,

    /// <summary>JPEG/PNG/BMP decode or YUYV/RGB unpacking.</summary>
    Decode,

    /// <summary>Crop/resize and normalisation into the NCHW buffer.</summary>
    Preprocess,

    /// <summary>ONNX Runtime run plus softmax/top-k.</summary>
    Inference,

    /// <summary>Capture to result.</summary>
    Total,
}
