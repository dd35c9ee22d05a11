using System.Text.Json;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>Appends one JSON object per prediction to a JSON-lines file (buffered; flushed by <see cref="Flush"/> and on dispose).</summary>
public sealed class ResultWriter : IDisposable
{
    private readonly StreamWriter writer;
    private readonly Lock gate = new();

    /// <summary>Opens <paramref name="path"/> for appending.</summary>
    public ResultWriter(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16));
    }

    /// <summary>Writes one prediction.</summary>
    public void Write(Prediction p)
    {
        var line = new
        {
            time = DateTimeOffset.UtcNow,
            frame = p.Sequence,
            source = p.Source,
            top = p.Labels.Select((l, i) => new { label = l, index = p.Indices[i], p = Math.Round(p.Probabilities[i], 5) }),
            ms = Math.Round(p.TotalMilliseconds, 3),
        };
        lock (gate) writer.WriteLine(JsonSerializer.Serialize(line));
    }

    /// <summary>Flushes buffered lines.</summary>
    public void Flush()
    {
        lock (gate) writer.Flush();
    }

    /// <summary>Flushes and closes the file.</summary>
    public void Dispose()
    {
        lock (gate) writer.Dispose();
    }
}
