namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="ExportPass"/>.</summary>
public sealed record ExportPassOptions
{
    /// <summary>ONNX opset (13 or later).</summary>
    public int Opset { get; init; } = 13;

    /// <summary>Test images also used to verify the export (besides random inputs).</summary>
    public int VerificationImages { get; init; } = 16;

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static ExportPassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = new ExportPassOptions
        {
            Opset = r.Int("opset", 13, 13, 21),
            VerificationImages = r.Int("verificationImages", 16, 0, 10_000),
        };
        r.RejectUnknown("the export pass");
        return o;
    }
}
