namespace EdgeToolkit.Compression.Export;

/// <summary>A written, verified ONNX model.</summary>
/// <param name="OnnxPath">Where the model was written.</param>
/// <param name="Checks">Verification on random inputs, then on real inputs when they were given.</param>
public sealed record OnnxExportResult(string OnnxPath, IReadOnlyList<ExportVerification> Checks)
{
    /// <summary>Largest max |diff| over all checks.</summary>
    public double MaxAbsDiff => Checks.Count == 0 ? 0 : Checks.Max(c => c.MaxAbsDiff);

    /// <summary>Total argmax mismatches over all checks.</summary>
    public int ArgmaxMismatches => Checks.Sum(c => c.ArgmaxMismatches);
}
