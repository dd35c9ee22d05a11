namespace EdgeToolkit.EdgeAgent.Observation;

/// <summary>Per-stage latency of one frame in milliseconds (see <see cref="Telemetry.Stage"/>).</summary>
/// <param name="WaitMs">Time queued.</param>
/// <param name="DecodeMs">Decode or unpacking.</param>
/// <param name="PreprocessMs">Resize and normalisation.</param>
/// <param name="InferenceMs">ONNX Runtime run plus top-k.</param>
/// <param name="TotalMs">Capture to result.</param>
public readonly record struct StageTimes(double WaitMs, double DecodeMs, double PreprocessMs, double InferenceMs, double TotalMs);
