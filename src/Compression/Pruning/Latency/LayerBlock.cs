using System.Globalization;

namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>
/// One unit of a MobileNet v1 whose latency is measured alone: its kind, widths and geometry. Two layers with
/// the same block (same widths, input side and stride) cost the same, so the table is keyed by <see cref="Key"/>.
/// </summary>
/// <param name="Kind">Stem, depthwise-separable layer, head, the per-call overhead, or (int8) the boundary between two blocks.</param>
/// <param name="InChannels">Input channels.</param>
/// <param name="OutChannels">Output channels (classes for the head).</param>
/// <param name="InputSide">Input height = width in pixels.</param>
/// <param name="Stride">Stride of the 3x3 convolution (1 for the head and the overhead).</param>
public sealed record LayerBlock(LayerBlockKind Kind, int InChannels, int OutChannels, int InputSide, int Stride)
{
    /// <summary>The per-call overhead block.</summary>
    public static LayerBlock Overhead { get; } = new(LayerBlockKind.Overhead, 8, 8, 1, 1);

    /// <summary>The boundary block of an activation tensor of <paramref name="channels"/> x <paramref name="side"/> x <paramref name="side"/>.</summary>
    public static LayerBlock Boundary(int channels, int side) => new(LayerBlockKind.Boundary, channels, channels, side, 1);

    /// <summary>The two-layer partner of a <see cref="LayerBlockKind.Boundary"/> block (same tensor).</summary>
    public LayerBlock TwoLayers => Kind == LayerBlockKind.Boundary ? this with { Kind = LayerBlockKind.BoundaryTwoLayers }
        : throw new InvalidOperationException($"{Key} is not a boundary block");

    /// <summary>Output side of the block (3x3 convolution, padding 1; a boundary keeps its side).</summary>
    public int OutputSide => Kind switch
    {
        LayerBlockKind.Stem or LayerBlockKind.Separable => (InputSide + 2 - 3) / Stride + 1,
        LayerBlockKind.Boundary or LayerBlockKind.BoundaryTwoLayers => InputSide,
        _ => 1,
    };

    /// <summary>Table key, e.g. <c>separable/i64/o128/s16/st2</c>.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture,
        $"{Kind.ToString().ToLowerInvariant()}/i{InChannels}/o{OutChannels}/s{InputSide}/st{Stride}");

    /// <summary>The blocks of MobileNet v1 built from <paramref name="channelPlan"/> (stem, 13 layers, head), in order.</summary>
    public static IReadOnlyList<LayerBlock> Of(IReadOnlyList<int> channelPlan, int inputChannels, int inputSize, int numClasses)
    {
        var plan = Training.Models.MobileNetV1.ValidatePlan(channelPlan);
        var strides = Training.Models.MobileNetV1.Strides(inputSize);
        var blocks = new List<LayerBlock>(plan.Count + 1) { new(LayerBlockKind.Stem, inputChannels, plan[0], inputSize, strides[0]) };
        int side = blocks[0].OutputSide;
        for (int i = 1; i < plan.Count; i++)
        {
            var block = new LayerBlock(LayerBlockKind.Separable, plan[i - 1], plan[i], side, strides[i]);
            blocks.Add(block);
            side = block.OutputSide;
        }
        blocks.Add(new LayerBlock(LayerBlockKind.Head, plan[^1], numClasses, side, 1));
        return blocks;
    }

    /// <summary>The boundary blocks of the tensors between consecutive <paramref name="blocks"/> (each block's output but the last).</summary>
    public static IReadOnlyList<LayerBlock> BoundariesOf(IReadOnlyList<LayerBlock> blocks) =>
        blocks.Take(blocks.Count - 1).Select(b => Boundary(b.OutChannels, b.OutputSide)).ToList();
}
