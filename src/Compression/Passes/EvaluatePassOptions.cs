namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="EvaluatePass"/>.</summary>
public sealed record EvaluatePassOptions
{
    /// <summary>Test images evaluated (0 = all).</summary>
    public int Limit { get; init; }

    /// <summary>Images per ONNX Runtime call.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static EvaluatePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = new EvaluatePassOptions
        {
            Limit = r.Int("limit", 0, 0),
            BatchSize = r.Int("batchSize", 100, 1, 4096),
        };
        r.RejectUnknown("the evaluate pass");
        return o;
    }
}
