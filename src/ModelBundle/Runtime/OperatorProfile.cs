using System.Text.Json;

namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>
/// Where one model's inference time goes in ONNX Runtime: each node's kernel time from the runtime's profiler,
/// averaged over the timed runs (<see cref="LatencyBenchmark.Profile"/>). The profiler adds a little time per
/// node, so compare shares within a profile (or between two profiles made the same way), not with plain latency.
/// </summary>
public sealed class OperatorProfile
{
    private OperatorProfile(IReadOnlyList<NodeTime> nodes, double runMicroseconds, int runs)
    {
        Nodes = nodes;
        RunMicroseconds = runMicroseconds;
        Runs = runs;
    }

    /// <summary>Every node that ran, in the order it first ran, with its mean kernel time.</summary>
    public IReadOnlyList<NodeTime> Nodes { get; }

    /// <summary>Mean duration of one run as the profiler saw it (kernels plus the executor's own work), in microseconds.</summary>
    public double RunMicroseconds { get; }

    /// <summary>Timed runs averaged.</summary>
    public int Runs { get; }

    /// <summary>Sum of the nodes' mean kernel times, in microseconds.</summary>
    public double KernelMicroseconds => Nodes.Sum(n => n.MeanMicroseconds);

    /// <summary>Kernel time per op type (microseconds per run and node count), largest first.</summary>
    public IReadOnlyList<(string OpType, double MeanMicroseconds, int Nodes)> ByOpType =>
        Nodes.GroupBy(n => n.OpType).Select(g => (OpType: g.Key, MeanMicroseconds: g.Sum(n => n.MeanMicroseconds), Nodes: g.Count()))
            .OrderByDescending(g => g.MeanMicroseconds).ThenBy(g => g.OpType, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Reads an ONNX Runtime profile (Chrome trace JSON): the <c>model_run</c> session events give the runs, of which
    /// the first <paramref name="warmupRuns"/> are left out; the <c>*_kernel_time</c> node events inside the rest give
    /// the nodes.
    /// </summary>
    /// <exception cref="ArgumentException">The file is not a profile or holds no timed run.</exception>
    public static OperatorProfile Parse(ReadOnlySpan<byte> json, int warmupRuns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupRuns);
        var runs = new List<(long Start, long End)>();
        var kernels = new List<(long Start, long Duration, string Node, string OpType)>();
        try
        {
            using var document = JsonDocument.Parse(json.ToArray());
            foreach (var e in document.RootElement.EnumerateArray())
            {
                if (!e.TryGetProperty("cat", out var cat) || !e.TryGetProperty("name", out var nameElement)) continue;
                string name = nameElement.GetString() ?? "";
                long ts = e.GetProperty("ts").GetInt64(), dur = e.GetProperty("dur").GetInt64();
                if (cat.GetString() == "Session" && name == "model_run")
                    runs.Add((ts, ts + dur));
                else if (cat.GetString() == "Node" && name.EndsWith("_kernel_time", StringComparison.Ordinal))
                {
                    string op = e.TryGetProperty("args", out var args) && args.TryGetProperty("op_name", out var o) ? o.GetString() ?? "" : "";
                    kernels.Add((ts, dur, name[..^"_kernel_time".Length], op));
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new ArgumentException($"not an ONNX Runtime profile: {e.Message}", nameof(json), e);
        }
        var timed = runs.OrderBy(r => r.Start).Skip(warmupRuns).ToList();
        if (timed.Count == 0)
            throw new ArgumentException($"the profile holds {runs.Count} runs, none after the {warmupRuns} warm-up runs", nameof(json));
        long first = timed[0].Start;
        var totals = new Dictionary<string, (string OpType, long Sum, int Order)>();
        foreach (var k in kernels.Where(k => k.Start >= first && timed.Any(r => k.Start >= r.Start && k.Start <= r.End)))
        {
            totals[k.Node] = totals.TryGetValue(k.Node, out var t) ? (t.OpType, t.Sum + k.Duration, t.Order) : (k.OpType, k.Duration, totals.Count);
        }
        var nodes = totals.OrderBy(t => t.Value.Order).Select(t => new NodeTime(t.Key, t.Value.OpType, t.Value.Sum / (double)timed.Count)).ToList();
        return new OperatorProfile(nodes, timed.Average(r => (double)(r.End - r.Start)), timed.Count);
    }
}
