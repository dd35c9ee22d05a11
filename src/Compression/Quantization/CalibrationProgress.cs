namespace EdgeToolkit.Compression.Quantization;

/// <summary>Calibration progress: samples run through the model so far out of the planned count.</summary>
/// <param name="Samples">Samples processed.</param>
/// <param name="Total">Samples planned (the calibration count).</param>
/// <param name="Method">The method these samples calibrate (<see cref="CalibrationMethod.Auto"/> calibrates each of its candidates in turn).</param>
public readonly record struct CalibrationProgress(int Samples, int Total, CalibrationMethod Method);
