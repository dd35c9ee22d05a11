namespace EdgeToolkit.Compression.Passes;

/// <summary>Everything a pipeline run produced: the table, the steps and where it all is.</summary>
/// <param name="Name">Recipe name.</param>
/// <param name="Folder">The run folder (<c>runs/&lt;name&gt;</c>).</param>
/// <param name="Dataset">What data was used.</param>
/// <param name="Rows">One row per matrix cell.</param>
/// <param name="Steps">Every pass run, in order.</param>
/// <param name="Seconds">Wall-clock seconds of the whole run.</param>
public sealed record PipelineResults(string Name, string Folder, string Dataset, IReadOnlyList<ResultRow> Rows, IReadOnlyList<PipelineStep> Steps, double Seconds)
{
    /// <summary>When the run finished (UTC).</summary>
    public DateTime FinishedUtc { get; init; } = DateTime.UtcNow;

    /// <summary>Path of <c>results.md</c>.</summary>
    public string MarkdownPath => Path.Combine(Folder, "results.md");

    /// <summary>Path of <c>results.json</c>.</summary>
    public string JsonPath => Path.Combine(Folder, "results.json");

    /// <summary>Path of <c>report.html</c>.</summary>
    public string HtmlPath => Path.Combine(Folder, "report.html");
}
