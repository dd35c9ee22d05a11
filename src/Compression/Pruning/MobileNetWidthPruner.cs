using EdgeToolkit.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EdgeToolkit.Compression.Pruning;

/// <summary>
/// Structured width pruning of MobileNet v1: turns a network built at one width multiplier into
/// one at a smaller multiplier by keeping the most important output channels of the stem and of
/// every pointwise convolution, and slicing every tensor coupled to them (the BatchNorm after
/// it, the next depthwise convolution and its BatchNorm, the next pointwise convolution's inputs
/// and the classifier's inputs). The result is a <see cref="MobileNetV1"/> freshly built at the
/// target alpha holding the sliced weights, so its state-dict keys and shapes are exactly those
/// of a network built at that alpha.
/// </summary>
public static class MobileNetWidthPruner
{
    /// <summary>Smallest width multiplier accepted (the paper's smallest is 0.25).</summary>
    public const double MinAlpha = 0.05;

    /// <summary>Ranks channels and decides which survive, without building anything.</summary>
    /// <param name="source">The trained network.</param>
    /// <param name="targetAlpha">Width multiplier to prune to, in [<see cref="MinAlpha"/>, source alpha].</param>
    /// <param name="options">Ranking criterion (null = <see cref="WidthPruningOptions.Default"/>).</param>
    /// <exception cref="ArgumentException">targetAlpha outside the accepted range.</exception>
    public static WidthPruningPlan Plan(MobileNetV1 source, double targetAlpha, WidthPruningOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= WidthPruningOptions.Default;
        if (!(targetAlpha >= MinAlpha && targetAlpha <= source.Alpha))
            throw new ArgumentException($"alpha: the target width multiplier must be in [{MinAlpha}, {source.Alpha}] (the source network's alpha) but was {targetAlpha}.", nameof(targetAlpha));

        var sourceChannels = MobileNetV1.Channels(source.Alpha);
        var targetChannels = MobileNetV1.Channels(targetAlpha);
        var state = source.state_dict();
        var kept = new List<IReadOnlyList<int>>(sourceChannels.Count);
        for (int layer = 0; layer < sourceChannels.Count; layer++)
        {
            if (targetChannels[layer] > sourceChannels[layer])
                throw new ArgumentException($"alpha: layer {layer} would grow from {sourceChannels[layer]} to {targetChannels[layer]} channels; pruning only removes channels.", nameof(targetAlpha));
            double[] importance = Importance(state, layer, options.Importance);
            if (importance.Length != sourceChannels[layer])
                throw new InvalidOperationException($"features.{layer}: {importance.Length} output channels where MobileNet v1 at alpha {source.Alpha} has {sourceChannels[layer]}.");
            kept.Add(TopChannels(importance, targetChannels[layer]));
        }
        return new WidthPruningPlan(source.Alpha, targetAlpha, kept);
    }

    /// <summary>
    /// Prunes <paramref name="source"/> to <paramref name="targetAlpha"/>. The source is not changed;
    /// the result is a new network in evaluation mode.
    /// </summary>
    public static MobileNetV1 Prune(MobileNetV1 source, double targetAlpha, WidthPruningOptions? options = null)
        => Apply(source, Plan(source, targetAlpha, options));

    /// <summary>Builds the pruned network described by <paramref name="plan"/>.</summary>
    public static MobileNetV1 Apply(MobileNetV1 source, WidthPruningPlan plan)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(plan);
        var target = new MobileNetV1(source.NumClasses, plan.TargetAlpha, source.InputChannels, source.InputSize);
        var sourceState = source.state_dict();
        var targetState = target.state_dict();
        using (torch.no_grad())
        {
            foreach (var (key, destination) in targetState)
            {
                if (!sourceState.TryGetValue(key, out var tensor))
                    throw new InvalidOperationException($"{key}: present in MobileNet v1 at alpha {plan.TargetAlpha} but not in the source network.");
                using var scope = torch.NewDisposeScope();
                var sliced = Slice(key, tensor, plan.KeptChannels);
                if (!sliced.shape.SequenceEqual(destination.shape))
                    throw new InvalidOperationException($"{key}: sliced shape [{string.Join(", ", sliced.shape)}] differs from [{string.Join(", ", destination.shape)}] at alpha {plan.TargetAlpha}.");
                destination.copy_(sliced);
            }
        }
        target.eval();
        return target;
    }

    /// <summary>Kept channel indices (ascending) of the <paramref name="count"/> most important channels; ties keep the lower index.</summary>
    internal static int[] TopChannels(double[] importance, int count) =>
        Enumerable.Range(0, importance.Length)
            .OrderByDescending(i => importance[i])
            .ThenBy(i => i)
            .Take(count)
            .Order()
            .ToArray();

    private static double[] Importance(Dictionary<string, Tensor> state, int layer, ChannelImportance criterion)
    {
        using var scope = torch.NewDisposeScope();
        Tensor scores;
        if (criterion == ChannelImportance.BatchNormScale)
        {
            scores = Get(state, layer == 0 ? "features.0.1.weight" : $"features.{layer}.bn2.weight").abs();
        }
        else
        {
            var weight = Get(state, layer == 0 ? "features.0.0.weight" : $"features.{layer}.pointwise.weight");
            scores = weight.abs().reshape(weight.shape[0], -1).sum(1);
        }
        return scores.to(ScalarType.Float64).cpu().data<double>().ToArray();
    }

    private static Tensor Get(Dictionary<string, Tensor> state, string key) =>
        state.TryGetValue(key, out var t) ? t : throw new InvalidOperationException($"{key}: missing from the source network's state dict.");

    /// <summary>Slices one state-dict entry of the source network to the kept channels.</summary>
    private static Tensor Slice(string key, Tensor tensor, IReadOnlyList<IReadOnlyList<int>> kept)
    {
        if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            return tensor.clone();
        if (key == "classifier.weight")
            return Select(tensor, 1, kept[^1]);
        if (key == "classifier.bias")
            return tensor.clone();

        string[] parts = key.Split('.');
        if (parts.Length < 3 || parts[0] != "features" || !int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int layer) || layer >= kept.Count)
            throw new InvalidOperationException($"{key}: not a MobileNet v1 state-dict entry that width pruning knows how to slice.");
        if (layer == 0)
            return Select(tensor, 0, kept[0]); // stem conv filters (dim 0) and its BatchNorm
        return parts[2] switch
        {
            "depthwise" or "bn1" => Select(tensor, 0, kept[layer - 1]),
            "pointwise" => Select(Select(tensor, 0, kept[layer]), 1, kept[layer - 1]),
            "bn2" => Select(tensor, 0, kept[layer]),
            _ => throw new InvalidOperationException($"{key}: not a MobileNet v1 state-dict entry that width pruning knows how to slice."),
        };
    }

    private static Tensor Select(Tensor tensor, long dim, IReadOnlyList<int> indices)
    {
        var index = torch.tensor(indices.Select(i => (long)i).ToArray(), dtype: ScalarType.Int64, device: tensor.device);
        return tensor.index_select(dim, index);
    }
}
