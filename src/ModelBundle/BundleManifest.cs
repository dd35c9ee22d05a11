using System.Text.Json.Serialization;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.ModelBundle;

/// <summary>
/// The <c>manifest.json</c> of a model bundle: everything the device needs to feed the model and
/// read its output, plus provenance. A bundle folder = <c>model.onnx</c> + <c>manifest.json</c>.
/// Documented in docs/bundle.md so users can write one by hand for a foreign ONNX classifier.
/// </summary>
/// <remarks>
/// Properties with a default are <c>set</c>, not <c>init</c>: source-generated JSON (what the NativeAOT agent uses) sets
/// every init-only property, to null when the JSON omits it, and keeps a default only behind a setter.
/// </remarks>
public sealed record BundleManifest
{
    /// <summary>
    /// The schema version this code writes. Version 2 spells enum values in kebab-case (<c>gray</c>) and adds the
    /// <c>pad</c> policy; version 1 manifests (<c>GRAY</c>, and <c>stretch</c> meaning stretch) still read.
    /// </summary>
    public const int CurrentSchemaVersion = 2;

    /// <summary>The oldest schema version still read.</summary>
    public const int OldestReadableSchemaVersion = 1;

    /// <summary>Schema version of this manifest; readers refuse other versions.</summary>
    public int SchemaVersion { get; set; } = CurrentSchemaVersion;

    /// <summary>Model file name inside the bundle folder.</summary>
    public string ModelFile { get; set; } = "model.onnx";

    /// <summary>Lower-case hex SHA-256 of the model file.</summary>
    public string Sha256 { get; set; } = "";

    /// <summary>Model file size in bytes.</summary>
    public long FileSizeBytes { get; init; }

    /// <summary>Architecture name (e.g. <c>mobilenet_v1</c>, <c>resnet20</c>, or anything for a foreign model).</summary>
    public string Architecture { get; set; } = "";

    /// <summary>MobileNet width multiplier (1.0 otherwise).</summary>
    public double Alpha { get; set; } = 1.0;

    /// <summary>
    /// MobileNet v1 built from a per-layer width (pruning's choice): output channels of the stem and the
    /// 13 layers; null for uniform widths and other architectures. Informational: the model file holds the shapes.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<int>? ChannelPlan { get; init; }

    /// <summary><c>fp32</c>, <c>fp16</c> or <c>int8</c>.</summary>
    public Precision Precision { get; set; } = Precision.Fp32;

    /// <summary>Name of the ONNX input (default <c>input</c>).</summary>
    public string InputName { get; set; } = "input";

    /// <summary>Name of the ONNX output holding logits (default <c>logits</c>).</summary>
    public string OutputName { get; set; } = "logits";

    /// <summary>Input shape with -1 for the dynamic batch dimension, e.g. [-1, 3, 32, 32].</summary>
    public IReadOnlyList<int> InputShape { get; set; } = [];

    /// <summary>Only <c>NCHW</c> is supported.</summary>
    public string Layout { get; set; } = "NCHW";

    /// <summary><c>rgb</c>, <c>bgr</c> or <c>gray</c> (schema 1: <c>RGB</c>, <c>BGR</c>, <c>GRAY</c>).</summary>
    public ChannelOrder ChannelOrder { get; set; } = ChannelOrder.Rgb;

    /// <summary>How a decoded image is fitted to the input: <c>stretch</c>, <c>center-crop</c>, <c>letterbox</c> or <c>pad</c> (see <see cref="Preprocessing.ResizePolicy"/>).</summary>
    public ResizePolicy ResizePolicy { get; set; } = ResizePolicy.CenterCrop;

    /// <summary>Per-channel mean applied after scaling pixels to [0,1].</summary>
    public IReadOnlyList<float> Mean { get; set; } = [];

    /// <summary>Per-channel standard deviation applied after scaling pixels to [0,1].</summary>
    public IReadOnlyList<float> Std { get; set; } = [];

    /// <summary>Class labels, index = output position.</summary>
    public IReadOnlyList<string> Labels { get; set; } = [];

    /// <summary>Top-1 accuracy measured when the bundle was made (null when unknown).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? Accuracy { get; init; }

    /// <summary>Parameter count (null when unknown).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Parameters { get; init; }

    /// <summary>Multiply-accumulates per image (null when unknown).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Macs { get; init; }

    /// <summary>Free-form provenance (tool version, source checkpoint, passes applied).</summary>
    public IReadOnlyDictionary<string, string> Provenance { get; set; } = new Dictionary<string, string>();

    /// <summary>Input channels (from <see cref="InputShape"/>).</summary>
    [JsonIgnore] public int Channels => InputShape.Count == 4 ? InputShape[1] : 0;

    /// <summary>Input height (from <see cref="InputShape"/>).</summary>
    [JsonIgnore] public int Height => InputShape.Count == 4 ? InputShape[2] : 0;

    /// <summary>Input width (from <see cref="InputShape"/>).</summary>
    [JsonIgnore] public int Width => InputShape.Count == 4 ? InputShape[3] : 0;

    /// <summary>The preprocessing contract this manifest declares, for <see cref="ModelInputWriter"/>.</summary>
    [JsonIgnore] public ModelInput Input => new(Channels, Height, Width, ChannelOrder, ResizePolicy, Mean, Std);
}
