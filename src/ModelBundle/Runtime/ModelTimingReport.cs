using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>
/// What <c>EdgeAgent --time-models</c> prints on the device and <c>edgekit</c> reads back over ssh: the device's
/// fingerprint and the median batch-1 latency of each model it was given, as one JSON line
/// <c>{"fingerprint":{...},"p50Ms":[0.012,...]}</c>.
/// </summary>
/// <param name="Fingerprint">The machine, runtime, threads and precision of the measurements.</param>
/// <param name="P50Ms">Median latency in milliseconds of each model, in the order given.</param>
public sealed record ModelTimingReport(DeviceFingerprint Fingerprint, IReadOnlyList<double> P50Ms)
{
    private static readonly ModelBundleJsonContext Json = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });

    /// <summary>The report as one JSON line.</summary>
    public string ToJson() => JsonSerializer.Serialize(new Wire(Fingerprint, [.. P50Ms]), Json.Wire);

    /// <summary>Reads a report line.</summary>
    /// <param name="line">The JSON line.</param>
    /// <param name="source">Where the line came from, for the error message (e.g. <c>pi@device</c>).</param>
    /// <exception cref="InvalidDataException">Not a report, a missing field, or a time that is not a finite, non-negative number.</exception>
    public static ModelTimingReport Parse(string line, string source)
    {
        ArgumentNullException.ThrowIfNull(line);
        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(line, Json.Wire);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: expected a model timing report ({{\"fingerprint\":...,\"p50Ms\":[...]}}) but got '{Shorten(line)}': {e.Message}", e);
        }
        if (wire?.Fingerprint is null || wire.P50Ms is null)
            throw new InvalidDataException($"{source}: model timing report '{Shorten(line)}' lacks 'fingerprint' or 'p50Ms'.");
        for (int i = 0; i < wire.P50Ms.Length; i++)
        {
            if (!(wire.P50Ms[i] >= 0 && double.IsFinite(wire.P50Ms[i])))
                throw new InvalidDataException($"{source}: p50Ms[{i}] must be a finite number of milliseconds but is {wire.P50Ms[i]}.");
        }
        return new ModelTimingReport(wire.Fingerprint, wire.P50Ms);
    }

    private static string Shorten(string line) => line.Length <= 200 ? line : line[..200] + "...";

    /// <summary>The report's JSON form (nullable fields: a line that lacks one is refused by name).</summary>
    internal sealed record Wire(
        [property: JsonPropertyName("fingerprint")] DeviceFingerprint? Fingerprint,
        [property: JsonPropertyName("p50Ms")] double[]? P50Ms);
}
