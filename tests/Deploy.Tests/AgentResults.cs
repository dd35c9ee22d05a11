using System.Text.Json;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>One frame's top-k classes (index, probability) from an agent's results file.</summary>
internal sealed record Prediction((int Index, double P)[] Top)
{
    public override string ToString() => string.Join(", ", Top.Select(t => $"{t.Index}:{t.P:F5}"));
}

/// <summary>Reads agents' results files and compares two agents' predictions frame by frame.</summary>
internal static class AgentResults
{
    /// <summary>The first prediction per frame file of a results file (JSON lines with <c>source</c> and <c>top</c>).</summary>
    public static Dictionary<string, Prediction> Read(string path)
    {
        var result = new Dictionary<string, Prediction>(StringComparer.Ordinal);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException) { continue; } // the line the agent is writing right now
            using (doc)
            {
                string source = Path.GetFileName(doc.RootElement.GetProperty("source").GetString()!);
                var top = doc.RootElement.GetProperty("top").EnumerateArray()
                    .Select(t => (t.GetProperty("index").GetInt32(), t.GetProperty("p").GetDouble())).ToArray();
                result.TryAdd(source, new Prediction(top));
            }
        }
        return result;
    }

    /// <summary>
    /// Asserts that <paramref name="actual"/> gives every frame of <paramref name="expected"/> the same top-1 class and
    /// every class both report within <paramref name="tolerance"/> (a results file keeps 5 decimals). A class in one
    /// top-k only is allowed just for a near-tie at the k-th place. Logs each frame; returns the largest difference.
    /// </summary>
    public static double AssertSame(IReadOnlyDictionary<string, Prediction> expected, IReadOnlyDictionary<string, Prediction> actual,
        double tolerance, string expectedName, string actualName, ITestOutputHelper output)
    {
        Assert.NotEmpty(expected);
        double worst = 0;
        foreach (var (frame, x) in expected)
        {
            Assert.True(actual.TryGetValue(frame, out var a), $"{actualName} has no prediction for {frame} ({actual.Count} frames)");
            output.WriteLine($"{frame}: {expectedName} {x} | {actualName} {a}");
            Assert.True(x.Top[0].Index == a.Top[0].Index, $"{frame}: top-1 {expectedName} {x.Top[0].Index}, {actualName} {a.Top[0].Index}");
            foreach (var (index, p) in x.Top)
            {
                int at = Array.FindIndex(a.Top, t => t.Index == index);
                double other = at >= 0 ? a.Top[at].P : a.Top[^1].P;
                if (at >= 0) worst = Math.Max(worst, Math.Abs(other - p));
                Assert.True(Math.Abs(other - p) <= tolerance, $"{frame} class {index}: {expectedName} {p}, {actualName} {(at >= 0 ? other : "not in its top-k")}");
            }
        }
        return worst;
    }
}
