using System.Text.Json.Serialization;
using EdgeToolkit.EdgeAgent.Capture;
using EdgeToolkit.EdgeAgent.Live;
using EdgeToolkit.EdgeAgent.Processing;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// Source-generated JSON metadata for everything the agent writes or reads (status, results file, capture index,
/// live page): no reflection, so the agent also runs as a NativeAOT binary. Each user makes an instance over its
/// own options (<c>new AgentJsonContext(new JsonSerializerOptions(...))</c>), so names and formats stay those options'.
/// </summary>
[JsonSerializable(typeof(AgentStatus))]
[JsonSerializable(typeof(ResultLine))]
[JsonSerializable(typeof(CaptureLine))]
[JsonSerializable(typeof(LiveState))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
