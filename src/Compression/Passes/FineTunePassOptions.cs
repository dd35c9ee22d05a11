using EdgeToolkit.Compression.Distillation;
using EdgeToolkit.Compression.Passes.Options;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="FineTunePass"/>: the fine-tuning settings (distillation weight 0 = no teacher).</summary>
/// <param name="FineTune">Settings handed to <see cref="DistillationFineTuner"/>.</param>
public sealed record FineTunePassOptions(FineTuneOptions FineTune)
{
    private static readonly FineTuneOptions Defaults = new();

    /// <summary>Recipe <c>epochs</c> (<c>edgekit prune</c> has <c>--finetune-epochs</c>, where 0 = no fine-tuning).</summary>
    public static IntPassOption EpochsOption { get; } = new("epochs", Defaults.Epochs, 1, 10_000, "Fine-tuning epochs");

    /// <summary>Recipe <c>batchSize</c>, CLI <c>--batch-size</c>.</summary>
    public static IntPassOption BatchSizeOption { get; } = new("batchSize", Defaults.BatchSize, 2, 65_536, "Images per fine-tuning step");

    /// <summary>Recipe <c>learningRate</c>, CLI <c>--learning-rate</c> (earlier <c>--lr</c>).</summary>
    public static DoublePassOption LearningRateOption { get; } = new("learningRate", Defaults.LearningRate, 1e-8, 10, "Fine-tuning peak learning rate (cosine)")
    { CliAliases = ["--lr"] };

    /// <summary>Recipe <c>distillationWeight</c>, CLI <c>--distillation-weight</c> (earlier <c>--distil-weight</c>).</summary>
    public static DoublePassOption DistillationWeightOption { get; } = new("distillationWeight", Defaults.DistillationWeight, 0, 1,
        "Distillation weight w (0 = plain cross-entropy, no teacher)")
    { CliAliases = ["--distil-weight"] };

    /// <summary>Recipe <c>temperature</c>, CLI <c>--temperature</c>.</summary>
    public static DoublePassOption TemperatureOption { get; } = new("temperature", Defaults.Temperature, 1e-3, 1000, "Distillation temperature");

    /// <summary>Recipe <c>maxBatchesPerEpoch</c>, CLI <c>--max-batches-per-epoch</c>.</summary>
    public static IntPassOption MaxBatchesPerEpochOption { get; } = new("maxBatchesPerEpoch", 0, 0, int.MaxValue,
        "Cap each fine-tuning epoch at this many batches (0 = whole epoch)");

    /// <summary>Recipe <c>distil</c>: false forces the distillation weight to 0.</summary>
    public static BoolPassOption DistilOption { get; } = new("distil", true, "Distil from the unpruned network (false = plain cross-entropy)");

    /// <summary>The settings <c>edgekit prune</c> binds as flags (epochs and <c>distil</c> are spelled differently there).</summary>
    public static IReadOnlyList<PassOption> CliDeclared => [BatchSizeOption, LearningRateOption, DistillationWeightOption, TemperatureOption, MaxBatchesPerEpochOption];

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static FineTunePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        bool distil = DistilOption.Read(r);
        var o = new FineTuneOptions
        {
            Epochs = EpochsOption.Read(r),
            BatchSize = BatchSizeOption.Read(r),
            LearningRate = LearningRateOption.Read(r),
            DistillationWeight = DistillationWeightOption.Read(r),
            Temperature = TemperatureOption.Read(r),
            MaxBatchesPerEpoch = MaxBatchesPerEpochOption.Read(r),
        };
        if (!distil) o = o with { DistillationWeight = 0 };
        r.RejectUnknown("the finetune pass");
        return new FineTunePassOptions(o.Validate());
    }
}
