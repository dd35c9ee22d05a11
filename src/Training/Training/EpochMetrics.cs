using System.Text.Json.Serialization;

namespace EdgeToolkit.Training.Training;

/// <summary>What one epoch achieved; one line of <c>train-log.jsonl</c>.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Loss">Mean training loss.</param>
/// <param name="TrainAccuracy">Training top-1 accuracy in [0, 1] (on augmented batches, in train mode).</param>
/// <param name="TestAccuracy">Test top-1 accuracy in [0, 1]; null for an epoch not evaluated (<see cref="TrainerOptions.EvaluateEvery"/>), absent from its log line.</param>
/// <param name="LearningRate">Learning rate of the epoch's last step.</param>
/// <param name="Seconds">Wall-clock seconds of training (without evaluation).</param>
/// <param name="ImagesPerSecond">Training throughput.</param>
public sealed record EpochMetrics(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("train_acc")] double TrainAccuracy,
    [property: JsonPropertyName("test_acc"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? TestAccuracy,
    [property: JsonPropertyName("lr")] double LearningRate,
    [property: JsonPropertyName("seconds")] double Seconds,
    [property: JsonPropertyName("images_per_s")] double ImagesPerSecond)
{
    /// <summary>Wall-clock seconds from the start of the run to the end of this epoch's evaluation (training, evaluations and checkpoints so far).</summary>
    [JsonPropertyName("wall_s")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? WallSeconds { get; init; }

    /// <summary>What the time budget's plan expected for <see cref="WallSeconds"/> (null without a budget).</summary>
    [JsonPropertyName("planned_wall_s")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? PlannedWallSeconds { get; init; }

    /// <summary>Test top-1 accuracy of the moving average of the weights (<see cref="TrainerOptions.EmaDecay"/>); null without one.</summary>
    [JsonPropertyName("ema_test_acc")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? EmaTestAccuracy { get; init; }

    /// <summary>True in a checkpoint that holds the moving average of the weights (it scored better than the trained weights).</summary>
    [JsonPropertyName("ema_weights")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public bool? EmaWeights { get; init; }
}
