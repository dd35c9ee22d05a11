using System.Globalization;
using System.Text.Json;
using EdgeToolkit.Compression.Pruning;
using EdgeToolkit.Training.Models;
using EdgeToolkit.Training.Training;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Width-prunes a MobileNet v1 checkpoint to the target cell's alpha with
/// <see cref="MobileNetWidthPruner"/>; other architectures, and cells whose alpha equals the
/// input's, pass through. Writes the pruned checkpoint and <c>prune.json</c> (kept channels, accuracy before fine-tuning).
/// </summary>
public sealed class PrunePass : IPass
{
    /// <summary>Name in recipes.</summary>
    public const string PassName = "prune";

    /// <summary>File with the pruning plan and the accuracy right after pruning.</summary>
    public const string ReportFile = "prune.json";

    /// <summary>Creates the pass.</summary>
    public PrunePass(PrunePassOptions options) => Options = options ?? throw new ArgumentNullException(nameof(options));

    /// <summary>The options.</summary>
    public PrunePassOptions Options { get; }

    /// <inheritdoc/>
    public string Name => PassName;

    /// <inheritdoc/>
    public string? CheckInput(ArtefactKind? inputKind) => inputKind == ArtefactKind.Checkpoint ? null : "needs a TorchSharp checkpoint (put it after 'train')";

    /// <inheritdoc/>
    public ArtefactKind OutputKind(ArtefactKind? inputKind) => ArtefactKind.Checkpoint;

    /// <inheritdoc/>
    public string VariantKey(ModelVariant target) => string.Create(CultureInfo.InvariantCulture, $"{target.Architecture}-a{target.Alpha}");

    /// <inheritdoc/>
    public bool AppliesTo(Artefact? input, ModelVariant target) =>
        input is { Kind: ArtefactKind.Checkpoint } && IsMobileNet(input.Architecture) && target.Alpha < input.Alpha - 1e-9;

    /// <summary>Whether an architecture name is MobileNet v1 (the only one width pruning applies to).</summary>
    public static bool IsMobileNet(string architecture) => string.Equals(architecture, "mobilenet_v1", StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public Artefact Run(Artefact? input, string outputFolder, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(context);
        double alpha = context.Target.Alpha;
        using var checkpoint = Checkpoint.Load(input.Folder);
        if (checkpoint.Model is not MobileNetV1 source)
            throw new InvalidOperationException($"{input.Folder}: prune needs a mobilenet_v1 checkpoint but it holds {checkpoint.Spec.Architecture}.");
        var plan = MobileNetWidthPruner.Plan(source, alpha, new WidthPruningOptions(Options.Importance));
        using var pruned = MobileNetWidthPruner.Apply(source, plan);
        var spec = checkpoint.Spec with { Alpha = alpha };
        Directory.CreateDirectory(outputFolder);
        string folder = Path.Combine(outputFolder, "checkpoint");
        Checkpoint.Save(folder, pruned, spec, null);

        var measurements = new Dictionary<string, double>();
        double? accuracy = null;
        if (Options.Evaluate)
        {
            accuracy = ClassifierEvaluator.Evaluate(pruned, spec, context.Data.Test, cancellationToken: context.Cancellation).Top1;
            measurements[MeasurementNames.PrunedAccuracy] = accuracy.Value;
            measurements[MeasurementNames.TorchAccuracy] = accuracy.Value;
        }
        File.WriteAllText(Path.Combine(outputFolder, ReportFile), JsonSerializer.Serialize(new
        {
            sourceCheckpoint = input.Folder,
            sourceAlpha = plan.SourceAlpha,
            targetAlpha = plan.TargetAlpha,
            importance = Options.Importance.ToString(),
            accuracyBeforeFineTuning = accuracy,
            keptChannels = plan.KeptChannels,
        }, new JsonSerializerOptions { WriteIndented = true }));
        context.Report(string.Create(CultureInfo.InvariantCulture,
            $"prune: alpha {input.Alpha} -> {alpha} ({Options.Importance}){(accuracy is { } a ? $", accuracy before fine-tuning {a:P2}" : "")}"));
        return new Artefact(ArtefactKind.Checkpoint, folder, input.Architecture, alpha, Precision.Fp32)
        {
            Lineage = input.Lineage,
            Parent = input,
            CheckpointFolder = folder,
        }.After(PassName).WithMeasurements(measurements);
    }
}
