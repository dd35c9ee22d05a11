using System.ComponentModel;
using System.Text.Json.Serialization;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.Compression.Evaluation;

/// <summary>How <see cref="OnnxEvaluator"/> turns data-set images into model inputs (<c>--preprocessing</c>).</summary>
[JsonConverter(typeof(KebabCaseEnumConverter<EvaluationPreprocessing>))]
[TypeConverter(typeof(KebabCaseEnumTypeConverter<EvaluationPreprocessing>))]
public enum EvaluationPreprocessing
{
    /// <summary>The bundle manifest's contract through <see cref="ModelInputWriter"/>: what the device agent computes (the default).</summary>
    Manifest,

    /// <summary>Training's TorchSharp <c>BatchLoader</c>: what the model saw in training, whatever the manifest says.</summary>
    TrainingLoader,
}
