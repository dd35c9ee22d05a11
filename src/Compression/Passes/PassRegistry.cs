namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// The passes a recipe may name, registered explicitly (no reflection, so trimming keeps them).
/// <see cref="Default"/> holds train, prune, finetune, export, quantize, evaluate and bench.
/// </summary>
public sealed class PassRegistry
{
    private readonly Dictionary<string, PassFactory> _factories = new(StringComparer.Ordinal);

    /// <summary>A registry with every built-in pass.</summary>
    public static PassRegistry Default { get; } = CreateDefault();

    /// <summary>Registered names in registration order.</summary>
    public IReadOnlyList<string> Names => [.. _factories.Keys];

    /// <summary>Registers (or replaces) a pass factory under <paramref name="name"/>.</summary>
    public PassRegistry Register(string name, PassFactory factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[name] = factory;
        return this;
    }

    /// <summary>Looks up a factory.</summary>
    public bool TryGet(string name, out PassFactory factory) => _factories.TryGetValue(name, out factory!);

    private static PassRegistry CreateDefault() => new PassRegistry()
        .Register(TrainPass.PassName, r => new TrainPass(TrainPassOptions.Read(r)))
        .Register(PrunePass.PassName, r => new PrunePass(PrunePassOptions.Read(r)))
        .Register(FineTunePass.PassName, r => new FineTunePass(FineTunePassOptions.Read(r)))
        .Register(ExportPass.PassName, r => new ExportPass(ExportPassOptions.Read(r)))
        .Register(QuantizePass.PassName, r => new QuantizePass(QuantizePassOptions.Read(r)))
        .Register(EvaluatePass.PassName, r => new EvaluatePass(EvaluatePassOptions.Read(r)))
        .Register(BenchPass.PassName, r => new BenchPass(BenchPassOptions.Read(r)));
}
