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
/// target alpha (or channel plan, for per-layer widths) holding the sliced weights, so its
/// state-dict keys and shapes are exactly those of a network built at that alpha or plan.
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
        CheckAlpha(source, targetAlpha);
        return Plan(source, MobileNetV1.Channels(targetAlpha), Scores(source, (options ?? WidthPruningOptions.Default).Importance), targetAlpha);
    }

    /// <summary>Refuses a target alpha outside [<see cref="MinAlpha"/>, the source's alpha], naming <c>alpha</c>.</summary>
    /// <exception cref="ArgumentException">The alpha is out of range.</exception>
    public static void CheckAlpha(MobileNetV1 source, double targetAlpha)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (!(targetAlpha >= MinAlpha && targetAlpha <= source.Alpha))
            throw new ArgumentException($"alpha: the target width multiplier must be in [{MinAlpha}, {source.Alpha}] (the source network's alpha) but was {targetAlpha}.", nameof(targetAlpha));
    }

    /// <summary>
    /// Decides which channels survive to reach a per-layer channel plan (non-uniform widths), ranking
    /// each layer's channels by <paramref name="scores"/> (see <see cref="Scores"/> and <see cref="TaylorImportance"/>).
    /// </summary>
    /// <param name="source">The trained network (built at any plan).</param>
    /// <param name="targetChannels">Output channels to keep per layer (14 entries), none above the source's.</param>
    /// <param name="scores">Importance of every output channel of every layer of <paramref name="source"/>.</param>
    /// <param name="targetAlpha">Nominal width of the result (null = <see cref="MobileNetV1.NominalAlpha"/> of the plan).</param>
    /// <exception cref="ArgumentException">A layer would grow, or the plan or scores have the wrong length; the message names the layer.</exception>
    public static WidthPruningPlan Plan(MobileNetV1 source, IReadOnlyList<int> targetChannels, IReadOnlyList<double[]> scores, double? targetAlpha = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(scores);
        MobileNetV1.ValidatePlan(targetChannels);
        var sourceChannels = source.ChannelPlan;
        if (scores.Count != sourceChannels.Count)
            throw new ArgumentException($"scores: {scores.Count} layers where MobileNet v1 has {sourceChannels.Count}.", nameof(scores));
        var kept = new List<IReadOnlyList<int>>(sourceChannels.Count);
        for (int layer = 0; layer < sourceChannels.Count; layer++)
        {
            if (targetChannels[layer] > sourceChannels[layer])
                throw new ArgumentException($"channelPlan[{layer}]: layer {layer} would grow from {sourceChannels[layer]} to {targetChannels[layer]} channels; pruning only removes channels.", nameof(targetChannels));
            if (scores[layer].Length != sourceChannels[layer])
                throw new ArgumentException($"features.{layer}: {scores[layer].Length} scores for {sourceChannels[layer]} output channels.", nameof(scores));
            kept.Add(TopChannels(scores[layer], targetChannels[layer]));
        }
        return new WidthPruningPlan(source.Alpha, targetAlpha ?? MobileNetV1.NominalAlpha(targetChannels), kept);
    }

    /// <summary>
    /// Prunes <paramref name="source"/> to <paramref name="targetAlpha"/>. The source is not changed;
    /// the result is a new network in evaluation mode.
    /// </summary>
    public static MobileNetV1 Prune(MobileNetV1 source, double targetAlpha, WidthPruningOptions? options = null)
        => Apply(source, Plan(source, targetAlpha, options));

    /// <summary>
    /// Builds the pruned network described by <paramref name="plan"/>: a fresh MobileNet v1 at the
    /// plan's widths (uniform alpha or channel plan) holding the sliced weights.
    /// </summary>
    public static MobileNetV1 Apply(MobileNetV1 source, WidthPruningPlan plan)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(plan);
        var target = plan.IsUniform
            ? new MobileNetV1(source.NumClasses, plan.TargetAlpha, source.InputChannels, source.InputSize)
            : new MobileNetV1(source.NumClasses, plan.TargetChannels, source.InputChannels, source.InputSize);
        var sourceState = source.state_dict();
        var targetState = target.state_dict();
        using (torch.no_grad())
        {
            foreach (var (key, destination) in targetState)
            {
                if (!sourceState.TryGetValue(key, out var tensor))
                    throw new InvalidOperationException($"{key}: present in the pruned MobileNet v1 but not in the source network.");
                using var scope = torch.NewDisposeScope();
                var sliced = Slice(key, tensor, plan.KeptChannels);
                if (!sliced.shape.SequenceEqual(destination.shape))
                    throw new InvalidOperationException($"{key}: sliced shape [{string.Join(", ", sliced.shape)}] differs from [{string.Join(", ", destination.shape)}] of the plan {string.Join(",", plan.TargetChannels)}.");
                destination.copy_(sliced);
            }
        }
        target.eval();
        return target;
    }

    /// <summary>
    /// Weight-only importance of every output channel of every layer (stem and the 13 pointwise
    /// convolutions): filter L1 norm or |BatchNorm gamma|. Data-driven criteria come from <see cref="TaylorImportance"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="ChannelImportance.Taylor"/>, which needs data.</exception>
    public static IReadOnlyList<double[]> Scores(MobileNetV1 source, ChannelImportance criterion)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (criterion == ChannelImportance.Taylor)
            throw new ArgumentException("importance: taylor needs training images; use TaylorImportance.Measure.", nameof(criterion));
        var state = source.state_dict();
        var scores = new double[source.ChannelPlan.Count][];
        for (int layer = 0; layer < scores.Length; layer++)
        {
            scores[layer] = Importance(state, layer, criterion);
            if (scores[layer].Length != source.ChannelPlan[layer])
                throw new InvalidOperationException($"features.{layer}: {scores[layer].Length} output channels where the network's plan has {source.ChannelPlan[layer]}.");
        }
        return scores;
    }

    /// <summary>State-dict key of the BatchNorm that follows layer <paramref name="layer"/>'s output convolution.</summary>
    internal static string OutputNormKey(int layer) => layer == 0 ? "features.0.1" : $"features.{layer}.bn2";

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
            scores = Get(state, OutputNormKey(layer) + ".weight").abs();
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
