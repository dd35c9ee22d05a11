using System.Globalization;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace EdgeToolkit.Training.Models;

/// <summary>Builds a model from a <see cref="ModelSpec"/>; the one place that maps architecture names to classes.</summary>
public static class ModelFactory
{
    private static readonly string[] Names =
    [
        "resnet20", "resnet32", "resnet44", "resnet56", "resnet110", "resnet18",
        "densenet-bc-100", "densenet-bc-40", "mobilenet_v1",
    ];

    /// <summary>Default DenseNet-BC growth rate.</summary>
    public const int DefaultGrowthRate = 12;

    /// <summary>The architecture names <see cref="Create"/> accepts.</summary>
    public static IReadOnlyList<string> Architectures => Names;

    /// <summary>The family of <paramref name="architecture"/> (case and surrounding spaces ignored), or null for a name of no known family.</summary>
    public static ArchitectureFamily? Family(string? architecture)
    {
        string name = (architecture ?? "").Trim().ToLowerInvariant();
        if (name == "mobilenet_v1") return ArchitectureFamily.MobileNet;
        if (name.StartsWith("resnet", StringComparison.Ordinal)) return ArchitectureFamily.ResNet;
        if (name.StartsWith("densenet", StringComparison.Ordinal)) return ArchitectureFamily.DenseNet;
        return null;
    }

    /// <summary>Builds the (randomly initialised) model a spec describes.</summary>
    /// <exception cref="ArgumentException">Unknown architecture or an invalid setting; the message names the setting.</exception>
    public static Module<Tensor, Tensor> Create(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Validate(spec);
        string name = spec.Architecture.Trim().ToLowerInvariant();
        switch (name)
        {
            case "resnet18":
                RequireDepth(spec, 18);
                return ResNet.ResNet18(spec.NumClasses, spec.InputChannels);
            case "mobilenet_v1":
                if (spec.Depth != 0)
                    throw new ArgumentException($"ModelSpec.Depth does not apply to mobilenet_v1 (was {spec.Depth}); leave it 0.", nameof(spec));
                return spec.ChannelPlan is { } plan
                    ? new MobileNetV1(spec.NumClasses, plan, spec.InputChannels, spec.InputSize)
                    : new MobileNetV1(spec.NumClasses, spec.Alpha, spec.InputChannels, spec.InputSize);
        }
        if (name.StartsWith("resnet", StringComparison.Ordinal) && Names.Contains(name))
        {
            int depth = int.Parse(name["resnet".Length..], CultureInfo.InvariantCulture);
            RequireDepth(spec, depth);
            return ResNet.Cifar(depth, spec.NumClasses, spec.InputChannels);
        }
        if (name.StartsWith("densenet-bc-", StringComparison.Ordinal) && Names.Contains(name))
        {
            int depth = int.Parse(name["densenet-bc-".Length..], CultureInfo.InvariantCulture);
            RequireDepth(spec, depth);
            int k = spec.GrowthRate == 0 ? DefaultGrowthRate : spec.GrowthRate;
            return new DenseNet(depth, k, spec.NumClasses, spec.InputChannels);
        }
        throw new ArgumentException(
            $"ModelSpec.Architecture '{spec.Architecture}' is unknown; known architectures: {string.Join(", ", Names)}.", nameof(spec));
    }

    /// <summary>Checks the settings every architecture shares; throws with a message naming the setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public static void Validate(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.Architecture))
            throw new ArgumentException($"ModelSpec.Architecture is empty; known architectures: {string.Join(", ", Names)}.", nameof(spec));
        if (!(spec.Alpha > 0 && spec.Alpha <= 1))
            throw new ArgumentException($"ModelSpec.Alpha must be in (0, 1] but was {spec.Alpha.ToString(CultureInfo.InvariantCulture)}.", nameof(spec));
        if (spec.InputChannels is not (1 or 3))
            throw new ArgumentException($"ModelSpec.InputChannels must be 1 or 3 but was {spec.InputChannels}.", nameof(spec));
        if (spec.InputSize < 8)
            throw new ArgumentException($"ModelSpec.InputSize must be at least 8 pixels but was {spec.InputSize}.", nameof(spec));
        if (spec.NumClasses < 2)
            throw new ArgumentException($"ModelSpec.NumClasses must be at least 2 but was {spec.NumClasses}.", nameof(spec));
        if (spec.GrowthRate < 0)
            throw new ArgumentException($"ModelSpec.GrowthRate must be >= 0 (0 = default) but was {spec.GrowthRate}.", nameof(spec));
        bool isMobileNet = Family(spec.Architecture) == ArchitectureFamily.MobileNet;
        if (!isMobileNet && spec.Alpha != 1.0)
            throw new ArgumentException(
                $"ModelSpec.Alpha applies only to mobilenet_v1; it must be 1 for '{spec.Architecture}' but was {spec.Alpha.ToString(CultureInfo.InvariantCulture)}.", nameof(spec));
        if (spec.ChannelPlan is not null)
        {
            if (!isMobileNet)
                throw new ArgumentException($"ModelSpec.ChannelPlan applies only to mobilenet_v1; it must be absent for '{spec.Architecture}'.", nameof(spec));
            try
            {
                MobileNetV1.ValidatePlan(spec.ChannelPlan);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"ModelSpec.{char.ToUpperInvariant(e.Message[0])}{e.Message[1..]}", nameof(spec), e);
            }
        }
        bool isDenseNet = Family(spec.Architecture) == ArchitectureFamily.DenseNet;
        if (!isDenseNet && spec.GrowthRate != 0)
            throw new ArgumentException(
                $"ModelSpec.GrowthRate applies only to DenseNet; it must be 0 for '{spec.Architecture}' but was {spec.GrowthRate}.", nameof(spec));
    }

    /// <summary>MobileNet v1 widths listed by <see cref="Summaries"/>.</summary>
    public static IReadOnlyList<double> ListedAlphas { get; } = [1.0, 0.75, 0.5, 0.25];

    /// <summary>A one-line description of an architecture name.</summary>
    public static string Describe(string architecture) => architecture switch
    {
        "resnet18" => "ResNet-18 for small inputs (3x3 stem, no max-pool)",
        "densenet-bc-100" => "DenseNet-BC, L=100, k=12",
        "densenet-bc-40" => "DenseNet-BC, L=40, k=12 (small, fast)",
        "mobilenet_v1" => "MobileNet v1, width multiplier alpha",
        _ when architecture.StartsWith("resnet", StringComparison.Ordinal) =>
            $"CIFAR ResNet-{architecture["resnet".Length..]} (16/32/64, option-A shortcuts)",
        _ => architecture,
    };

    /// <summary>
    /// Every architecture (MobileNet v1 at each of <see cref="ListedAlphas"/>) with its parameters and
    /// MACs at the given input, for <c>edgekit models</c>. Builds each model once (a few seconds in all).
    /// </summary>
    /// <exception cref="ArgumentException">An invalid input setting (see <see cref="Validate"/>).</exception>
    public static IReadOnlyList<ModelSummary> Summaries(int inputChannels = 3, int inputSize = 32, int numClasses = 10) =>
        [.. Names.SelectMany(name => (name == "mobilenet_v1" ? ListedAlphas : [1.0])
            .Select(alpha => Summarize(new ModelSpec(name, numClasses, inputChannels, inputSize, alpha))))];

    /// <summary>Builds the model of <paramref name="spec"/> once and counts its parameters and MACs at its input size.</summary>
    /// <exception cref="ArgumentException">An invalid spec (see <see cref="Validate"/>).</exception>
    public static ModelSummary Summarize(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var model = Create(spec);
        var measured = ModelComplexity.Measure(model, spec.InputChannels, spec.InputSize, spec.InputSize);
        return new ModelSummary(spec.Architecture, spec.Alpha, measured.Parameters, measured.Macs, Describe(spec.Architecture))
        {
            ChannelPlan = spec.ChannelPlan,
        };
    }

    private static void RequireDepth(ModelSpec spec, int depth)
    {
        if (spec.Depth != 0 && spec.Depth != depth)
            throw new ArgumentException(
                $"ModelSpec.Depth {spec.Depth} contradicts architecture '{spec.Architecture}' (depth {depth}); leave it 0 or set {depth}.", nameof(spec));
    }
}
