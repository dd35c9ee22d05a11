using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>ONNX Runtime's graph optimisation level, spelled <c>disable</c>, <c>basic</c>, <c>extended</c>, <c>all</c> in recipes and on the command line.</summary>
public enum GraphOptimization
{
    /// <summary>No graph optimisation (<see cref="GraphOptimizationLevel.ORT_DISABLE_ALL"/>).</summary>
    Disable,

    /// <summary>Constant folding and redundant-node removal (<see cref="GraphOptimizationLevel.ORT_ENABLE_BASIC"/>).</summary>
    Basic,

    /// <summary>Also node fusions, including the QDQ fusions into integer kernels (<see cref="GraphOptimizationLevel.ORT_ENABLE_EXTENDED"/>).</summary>
    Extended,

    /// <summary>Also layout optimisations (<see cref="GraphOptimizationLevel.ORT_ENABLE_ALL"/>); the default.</summary>
    All,
}
