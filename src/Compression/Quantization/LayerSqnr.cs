namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// How far one quantized layer's output is from float, as a signal-to-quantization-noise ratio
/// 10·log10(Σx² / Σ(x − q)²) in dB over the measured samples (higher is closer; each 6 dB is about one bit).
/// </summary>
/// <param name="Db">The int8 model's tensor against the float model's: the error of this layer and of every layer before it.</param>
/// <param name="IsolatedDb">This layer alone: its quantized form fed the float model's (quantized) inputs. Ranks layers for <see cref="QuantizationOptions.MaxAccuracyDrop"/>.</param>
public sealed record LayerSqnr(double Db, double IsolatedDb);
