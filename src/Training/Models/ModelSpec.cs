using System.Text.Json.Serialization;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Training.Models;

/// <summary>
/// Everything needed to rebuild a model: architecture name and its hyper-parameters, the input it
/// expects and the classes it predicts. Stored as JSON beside the weights of every checkpoint.
/// </summary>
/// <param name="Architecture">A name known to <c>ModelFactory</c>, e.g. <c>resnet20</c>, <c>densenet-bc-100</c>, <c>mobilenet_v1</c>.</param>
/// <param name="NumClasses">Number of output classes.</param>
/// <param name="InputChannels">1 (grey) or 3 (RGB).</param>
/// <param name="InputSize">Square input side in pixels (the resolution multiplier of MobileNet).</param>
/// <param name="Alpha">MobileNet width multiplier; 1.0 for other architectures.</param>
public sealed record ModelSpec(
    string Architecture,
    int NumClasses,
    int InputChannels,
    int InputSize,
    double Alpha = 1.0)
{
    /// <summary>Per-channel normalisation mean applied to inputs scaled to [0,1].</summary>
    public IReadOnlyList<float> Mean { get; init; } = [0.5f];

    /// <summary>Per-channel normalisation standard deviation.</summary>
    public IReadOnlyList<float> Std { get; init; } = [0.5f];

    /// <summary>Class label names, index = class id.</summary>
    public IReadOnlyList<string> Labels { get; init; } = [];

    /// <summary>
    /// How training fitted its images to <see cref="InputSize"/> (<c>pad</c> for 28x28 in 32x32, <c>center-crop</c> for
    /// image folders); the export writes it as the manifest's <c>resizePolicy</c>. Null in checkpoints made before it was recorded.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ResizePolicy? ResizePolicy { get; init; }

    /// <summary>DenseNet growth rate k (0 = the architecture's default).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int GrowthRate { get; init; }

    /// <summary>Depth for parameterised families (ResNet-n, DenseNet-BC-L); 0 = taken from the name.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Depth { get; init; }
}
