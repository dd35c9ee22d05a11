using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>Latency of one model under one configuration, in milliseconds per run.</summary>
/// <remarks>
/// Properties with a default are <c>set</c>, not <c>init</c>: source-generated JSON (what the NativeAOT agent uses) sets
/// every init-only property, to null when the JSON omits it, and keeps a default only behind a setter.
/// </remarks>
public sealed record LatencyResult
{
    /// <summary>The model file measured.</summary>
    public required string Model { get; init; }

    /// <summary>Input shape used, batch first.</summary>
    public required IReadOnlyList<long> InputShape { get; init; }

    /// <summary>Intra-op threads.</summary>
    public int Threads { get; init; }

    /// <summary>Graph optimisation level.</summary>
    public required string OptimizationLevel { get; init; }

    /// <summary>The execution provider the session ran on (<c>cpu</c>, <c>cuda</c>, ...).</summary>
    public string Provider { get; set; } = "cpu";

    /// <summary>The execution provider asked for.</summary>
    public string ProviderRequested { get; set; } = "cpu";

    /// <summary>Why <see cref="Provider"/> differs from <see cref="ProviderRequested"/> (null when it does not).</summary>
    public string? ProviderFallback { get; init; }

    /// <summary>Untimed warm-up runs.</summary>
    public int Warmup { get; init; }

    /// <summary>Timed runs.</summary>
    public int Runs { get; init; }

    /// <summary>Mean latency.</summary>
    public double MeanMs { get; init; }

    /// <summary>Fastest run.</summary>
    public double MinMs { get; init; }

    /// <summary>Median.</summary>
    public double P50Ms { get; init; }

    /// <summary>90th percentile.</summary>
    public double P90Ms { get; init; }

    /// <summary>99th percentile.</summary>
    public double P99Ms { get; init; }

    /// <summary>Slowest run.</summary>
    public double MaxMs { get; init; }

    /// <summary>
    /// JSON options of the result files (web defaults: camelCase; indented), with enums as names for the host tools that
    /// write results inside documents of their own (reflection-based; <see cref="Save"/> and <see cref="Load"/> use
    /// source-generated metadata with the same names).
    /// </summary>
    public static JsonSerializerOptions JsonOptions
    {
        [RequiresUnreferencedCode("Reflection-based JSON for the host's own documents."), RequiresDynamicCode("Reflection-based JSON for the host's own documents.")]
        get => jsonOptions ??= new(JsonSerializerDefaults.Web) { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };
    }

    private static JsonSerializerOptions? jsonOptions;
    private static readonly ModelBundleJsonContext Json = new(new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });

    /// <summary>Writes the result as JSON (atomically: temp file + rename).</summary>
    public void Save(string path)
    {
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Json.LatencyResult));
    }

    /// <summary>Reads a result written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidDataException">The file is not a latency result.</exception>
    public static LatencyResult Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), Json.LatencyResult)
                ?? throw new InvalidDataException($"{path}: empty latency result");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a latency result ({e.Message})", e);
        }
    }
}
