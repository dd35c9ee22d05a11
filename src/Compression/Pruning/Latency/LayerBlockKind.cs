namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>Which part of MobileNet v1 a <see cref="LayerBlock"/> is.</summary>
public enum LayerBlockKind
{
    /// <summary>The per-call cost of running any model (a one-node model); subtracted from every other block once.</summary>
    Overhead,

    /// <summary>Stem: 3x3 convolution (+ folded BatchNorm) and ReLU.</summary>
    Stem,

    /// <summary>Depthwise-separable layer: depthwise 3x3 + ReLU, pointwise 1x1 + ReLU (BatchNorms folded).</summary>
    Separable,

    /// <summary>Global average pooling and the linear classifier.</summary>
    Head,

    /// <summary>
    /// In an int8 table, the activation tensor between two blocks: a QuantizeLinear and a DequantizeLinear of it (no
    /// other node), the pair that quantized block models add at their float ends and the whole int8 network does not
    /// run; subtracted once per tensor between blocks.
    /// </summary>
    Boundary,
}
