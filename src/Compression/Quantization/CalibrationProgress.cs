namespace EdgeToolkit.Compression.Quantization;

/// <summary>Calibration progress: samples run through the model so far out of the planned count.</summary>
/// <param name="Samples">Samples processed.</param>
/// <param name="Total">Samples planned (the calibration count).</param>
public readonly record struct CalibrationProgress(int Samples, int Total);
