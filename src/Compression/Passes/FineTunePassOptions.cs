using EdgeToolkit.Compression.Distillation;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="FineTunePass"/>: the fine-tuning settings (distillation weight 0 = no teacher).</summary>
/// <param name="FineTune">Settings handed to <see cref="DistillationFineTuner"/>.</param>
public sealed record FineTunePassOptions(FineTuneOptions FineTune)
{
    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static FineTunePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var d = new FineTuneOptions();
        bool distil = r.Bool("distil", true);
        var o = new FineTuneOptions
        {
            Epochs = r.Int("epochs", d.Epochs, 1, 10_000),
            BatchSize = r.Int("batchSize", d.BatchSize, 2, 65_536),
            LearningRate = r.Double("learningRate", d.LearningRate, 1e-8, 10),
            DistillationWeight = r.Double("distillationWeight", d.DistillationWeight, 0, 1),
            Temperature = r.Double("temperature", d.Temperature, 1e-3, 1000),
            MaxBatchesPerEpoch = r.Int("maxBatchesPerEpoch", 0, 0),
        };
        if (!distil) o = o with { DistillationWeight = 0 };
        r.RejectUnknown("the finetune pass");
        return new FineTunePassOptions(o.Validate());
    }
}
