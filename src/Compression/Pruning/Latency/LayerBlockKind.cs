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
    /// In an int8 table, the activation tensor between two blocks, through one 1x1 depthwise convolution with identity
    /// weights and ReLU: quantized, its model has the ends every quantized block model has and the whole int8 network
    /// does not run between its layers (QuantizeLinear and the layout Transpose in; Transpose, DequantizeLinear and a
    /// float ReLU out). With <see cref="BoundaryTwoLayers"/> it measures those ends by difference.
    /// </summary>
    Boundary,

    /// <summary>The same tensor through two such identity layers: less <see cref="Boundary"/>, the cost of one identity layer.</summary>
    BoundaryTwoLayers,
}
