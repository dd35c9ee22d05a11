namespace EdgeToolkit.Compression.Tests;

/// <summary>Collects progress lines into a list (passes and the quantizer report from their own threads, so under a lock).</summary>
internal sealed class ProgressLines(List<string> lines) : IProgress<string>
{
    public void Report(string value)
    {
        lock (lines) lines.Add(value);
    }
}
