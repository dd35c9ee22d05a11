using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.ModelBundle.Runtime;

namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>
/// Measured block latencies (milliseconds, keyed by <see cref="LayerBlock.Key"/>) of one
/// <see cref="DeviceFingerprint"/>, cached as JSON in <c>&lt;cache folder&gt;/&lt;fingerprint key&gt;.json</c>:
/// <c>{"fingerprint":{...},"entries":{"separable/i64/o128/s16/st2":0.0123,...}}</c>.
/// </summary>
public sealed class LatencyTable
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly Dictionary<string, double> _entries;

    /// <summary>An empty table for <paramref name="fingerprint"/>.</summary>
    public LatencyTable(DeviceFingerprint fingerprint, IReadOnlyDictionary<string, double>? entries = null)
    {
        Fingerprint = fingerprint ?? throw new ArgumentNullException(nameof(fingerprint));
        _entries = entries is null ? new(StringComparer.Ordinal) : new(entries, StringComparer.Ordinal);
    }

    /// <summary>The machine the entries were measured on.</summary>
    public DeviceFingerprint Fingerprint { get; }

    /// <summary>Measured latencies in milliseconds by block key.</summary>
    public IReadOnlyDictionary<string, double> Entries => _entries;

    /// <summary>The latency of <paramref name="block"/>, when measured.</summary>
    public bool TryGet(LayerBlock block, out double milliseconds)
    {
        ArgumentNullException.ThrowIfNull(block);
        return _entries.TryGetValue(block.Key, out milliseconds);
    }

    /// <summary>Records the latency of <paramref name="block"/>.</summary>
    /// <exception cref="ArgumentException">A negative or non-finite time.</exception>
    public void Set(LayerBlock block, double milliseconds)
    {
        ArgumentNullException.ThrowIfNull(block);
        if (!(milliseconds >= 0 && double.IsFinite(milliseconds)))
            throw new ArgumentException($"latency of {block.Key} must be a finite number of milliseconds but was {milliseconds}.", nameof(milliseconds));
        _entries[block.Key] = milliseconds;
    }

    /// <summary>The cache file of <paramref name="fingerprint"/> under <paramref name="cacheFolder"/>.</summary>
    public static string PathFor(string cacheFolder, DeviceFingerprint fingerprint)
    {
        ArgumentNullException.ThrowIfNull(cacheFolder);
        ArgumentNullException.ThrowIfNull(fingerprint);
        return System.IO.Path.Combine(cacheFolder, fingerprint.Key + ".json");
    }

    /// <summary>The default cache folder: <c>$XDG_CACHE_HOME/edgekit/latency</c> or <c>~/.cache/edgekit/latency</c>.</summary>
    public static string DefaultCacheFolder =>
        System.IO.Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "edgekit", "latency");

    /// <summary>
    /// The cached table of <paramref name="fingerprint"/> in <paramref name="cacheFolder"/>, or an empty one when there is none.
    /// </summary>
    /// <exception cref="InvalidDataException">The cache file is not a table or was measured under another fingerprint.</exception>
    public static LatencyTable Load(string cacheFolder, DeviceFingerprint fingerprint)
    {
        string path = PathFor(cacheFolder, fingerprint);
        if (!File.Exists(path)) return new LatencyTable(fingerprint);
        Stored? stored;
        try
        {
            stored = JsonSerializer.Deserialize<Stored>(File.ReadAllText(path), Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a latency table: {e.Message}", e);
        }
        if (stored?.Fingerprint is null || stored.Entries is null)
            throw new InvalidDataException($"{path}: not a latency table: 'fingerprint' and 'entries' are required.");
        if (stored.Fingerprint != fingerprint)
            throw new InvalidDataException($"{path}: measured on {stored.Fingerprint}, not on {fingerprint}; delete the file to measure again.");
        return new LatencyTable(fingerprint, stored.Entries);
    }

    /// <summary>Writes the table to its cache file under <paramref name="cacheFolder"/> (temp name + rename); returns the path.</summary>
    public string Save(string cacheFolder)
    {
        string path = PathFor(cacheFolder, Fingerprint);
        Directory.CreateDirectory(cacheFolder);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Stored(Fingerprint, _entries.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal)), Json));
        return path;
    }

    private sealed record Stored(
        [property: JsonPropertyName("fingerprint")] DeviceFingerprint? Fingerprint,
        [property: JsonPropertyName("entries")] Dictionary<string, double>? Entries);
}
