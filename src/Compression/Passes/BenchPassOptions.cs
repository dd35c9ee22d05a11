namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="BenchPass"/>.</summary>
public sealed record BenchPassOptions
{
    /// <summary>Untimed runs first.</summary>
    public int Warmup { get; init; } = 20;

    /// <summary>Timed batch-1 runs.</summary>
    public int Runs { get; init; } = 200;

    /// <summary>ONNX Runtime intra-op threads; 0 = 1 thread (the device-like default, least disturbed by other load).</summary>
    public int Threads { get; init; }

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static BenchPassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = new BenchPassOptions
        {
            Warmup = r.Int("warmup", 20, 0, 100_000),
            Runs = r.Int("runs", 200, 1, 1_000_000),
            Threads = r.Int("threads", 0, 0, 256),
        };
        r.RejectUnknown("the bench pass");
        return o;
    }
}
