namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>
/// The ONNX Runtime execution provider a session asks for (<c>EdgeAgent:ExecutionProvider</c>,
/// <c>edgekit bench --provider</c>). A provider the loaded native library lacks falls back to
/// <see cref="Cpu"/>; see <see cref="ExecutionProviderSelector"/>.
/// </summary>
public enum ExecutionProvider
{
    /// <summary>ONNX Runtime's default CPU kernels (MLAS): every build has them.</summary>
    Cpu,

    /// <summary>NVIDIA CUDA (Jetson, desktop GPUs); needs a GPU build of libonnxruntime and the CUDA libraries.</summary>
    Cuda,

    /// <summary>NVIDIA TensorRT (with CUDA for the nodes TensorRT does not take); needs a TensorRT-enabled build.</summary>
    [System.Text.Json.Serialization.JsonStringEnumMemberName("tensorrt")]
    TensorRT,

    /// <summary>XNNPACK CPU kernels (ARM NEON, x86); only in builds that include it.</summary>
    Xnnpack,

    /// <summary>The fastest one the loaded library offers: TensorRT, then CUDA, else CPU.</summary>
    Auto,
}
