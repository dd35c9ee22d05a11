using EdgeToolkit.Compression.Evaluation;
using EdgeToolkit.Compression.Passes.Options;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Options of <see cref="EvaluatePass"/>, declared once for recipes and <c>edgekit eval-bundle</c>.</summary>
public sealed record EvaluatePassOptions
{
    /// <summary>Test images evaluated: an even spread over the test set, the same images on every route.</summary>
    public static readonly IntPassOption LimitOption = new("limit", 0, 0, int.MaxValue,
        "Evaluate only N test images, evenly spread over the test set (0 = all)");

    /// <summary>Images per ONNX Runtime call.</summary>
    public static readonly IntPassOption BatchSizeOption = new("batchSize", 128, 1, 4096, "Images per ONNX Runtime call");

    /// <summary>How images become model inputs.</summary>
    public static readonly EnumPassOption<EvaluationPreprocessing> PreprocessingOption = new("preprocessing", EvaluationPreprocessing.Manifest,
        "How images become model inputs: manifest = the bundle's preprocessing contract, as the device agent feeds them; training-loader = training's TorchSharp loader");

    /// <summary>Every setting of the pass, in help order.</summary>
    public static IReadOnlyList<PassOption> Declared => [LimitOption, BatchSizeOption, PreprocessingOption];

    /// <summary>Test images evaluated (<see cref="LimitOption"/>; 0 = all).</summary>
    public int Limit { get; init; } = LimitOption.Default;

    /// <summary>Images per ONNX Runtime call (<see cref="BatchSizeOption"/>).</summary>
    public int BatchSize { get; init; } = BatchSizeOption.Default;

    /// <summary>How images become model inputs (<see cref="PreprocessingOption"/>).</summary>
    public EvaluationPreprocessing Preprocessing { get; init; } = PreprocessingOption.Default;

    /// <summary>Reads and validates the options of a recipe entry.</summary>
    public static EvaluatePassOptions Read(RecipeOptionReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        var o = new EvaluatePassOptions
        {
            Limit = LimitOption.Read(r),
            BatchSize = BatchSizeOption.Read(r),
            Preprocessing = PreprocessingOption.Read(r),
        };
        r.RejectUnknown("the evaluate pass");
        return o;
    }
}
