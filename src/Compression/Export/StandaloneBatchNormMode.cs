namespace EdgeToolkit.Compression.Export;

/// <summary>How a BatchNorm2d that does not follow a convolution (DenseNet, after a Concat) is written.</summary>
public enum StandaloneBatchNormMode
{
    /// <summary>A depthwise 1x1 Conv with scale and shift folded in: same maths, and INT8 quantizers fuse it.</summary>
    DepthwiseConv,

    /// <summary>An ONNX BatchNormalization node with the running statistics (spelled <c>batchnorm</c>).</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("batchnorm")]
    BatchNormalization,
}
