using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// What a pass hands to the next: a model folder (checkpoint or ONNX bundle) plus what is known
/// about it. Immutable; a pass returns a new artefact and never changes its input's folder.
/// </summary>
/// <param name="Kind">Checkpoint or ONNX bundle.</param>
/// <param name="Folder">The model folder.</param>
/// <param name="Architecture">Architecture name.</param>
/// <param name="Alpha">Width multiplier of the model in the folder.</param>
/// <param name="Precision"><c>fp32</c> or <c>int8</c>.</param>
public sealed record Artefact(ArtefactKind Kind, string Folder, string Architecture, double Alpha, Precision Precision)
{
    /// <summary>Names of the passes that produced this artefact, oldest first.</summary>
    public IReadOnlyList<string> Lineage { get; init; } = [];

    /// <summary>The artefact this one was derived from by its last model-changing pass (e.g. the unpruned teacher of a pruned model).</summary>
    public Artefact? Parent { get; init; }

    /// <summary>The checkpoint this model came from (the artefact itself for checkpoints; the exported checkpoint for bundles).</summary>
    public string? CheckpointFolder { get; init; }

    /// <summary>Figures measured so far (accuracy, latency_p50_ms, ...), keyed by <see cref="MeasurementNames"/>.</summary>
    public IReadOnlyDictionary<string, double> Measurements { get; init; } = new Dictionary<string, double>();

    /// <summary>A copy with one more pass in the lineage.</summary>
    public Artefact After(string passName) => this with { Lineage = [.. Lineage, passName] };

    /// <summary>A copy with the given measurements added (replacing same-named ones).</summary>
    public Artefact WithMeasurements(IEnumerable<KeyValuePair<string, double>> values)
    {
        var merged = new Dictionary<string, double>(Measurements);
        foreach (var (k, v) in values) merged[k] = v;
        return this with { Measurements = merged };
    }
}
