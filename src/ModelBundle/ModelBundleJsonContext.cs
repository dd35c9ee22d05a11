using System.Text.Json.Serialization;
using EdgeToolkit.ModelBundle.Runtime;

namespace EdgeToolkit.ModelBundle;

/// <summary>
/// Source-generated JSON metadata for what the device reads and writes (the manifest, the model timing report, latency results):
/// no reflection, so the agent also runs as a NativeAOT binary. Each user makes an instance over its own options
/// (<c>new ModelBundleJsonContext(new JsonSerializerOptions(...))</c>): the names and formats stay those options'.
/// </summary>
[JsonSerializable(typeof(BundleManifest))]
[JsonSerializable(typeof(ModelTimingReport.Wire))]
[JsonSerializable(typeof(LatencyResult))]
internal sealed partial class ModelBundleJsonContext : JsonSerializerContext;
