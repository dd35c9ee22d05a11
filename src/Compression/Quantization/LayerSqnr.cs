namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// How far one quantized layer's output is from float, as a signal-to-quantization-noise ratio
/// 10·log10(Σx² / Σ(x − q)²) in dB over the measured samples (higher is closer; each 6 dB is about one bit).
/// </summary>
/// <param name="Db">The int8 model's tensor against the float model's: the error of this layer and of every layer before it.</param>
/// <param name="IsolatedDb">This layer alone: its quantized form fed the float model's (quantized) inputs.</param>
/// <param name="OutputDb">
/// The model's output (all graph outputs) when only this layer is quantized: its isolated output carried through the float
/// layers after it, against the float model's output. The error this layer adds to what the model computes, including how
/// much the layers after it amplify it; ranks layers for <see cref="QuantizationOptions.MaxAccuracyDrop"/>, and is only
/// measured when that is set (null otherwise).
/// </param>
public sealed record LayerSqnr(double Db, double IsolatedDb, double? OutputDb = null);
