using System.Text.Json;
using EdgeToolkit.EdgeAgent.Telemetry;

namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>Appends one JSON object per prediction to a JSON-lines file (buffered; flushed by <see cref="Flush"/> and on dispose).</summary>
public sealed class ResultWriter : IDisposable
{
    private static readonly AgentJsonContext Json = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
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
        string line = JsonSerializer.Serialize(ResultLine.Of(p, DateTimeOffset.UtcNow), Json.ResultLine);
        lock (gate) writer.WriteLine(line);
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
