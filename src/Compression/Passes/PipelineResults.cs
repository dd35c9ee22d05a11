using System.Text.Json.Serialization;

namespace EdgeToolkit.Compression.Passes;

/// <summary>Everything a pipeline run produced: the table, the steps and where it all is.</summary>
/// <param name="Name">Recipe name.</param>
/// <param name="Folder">The run folder (<c>runs/&lt;name&gt;</c>); not in <c>results.json</c>, which lies in it and names every folder relative to it.</param>
/// <param name="Dataset">What data was used.</param>
/// <param name="Rows">One row per matrix cell.</param>
/// <param name="Steps">Every pass run, in order.</param>
/// <param name="Seconds">Wall-clock seconds of the whole run.</param>
public sealed record PipelineResults(string Name, [property: JsonIgnore] string Folder, string Dataset, IReadOnlyList<ResultRow> Rows, IReadOnlyList<PipelineStep> Steps, double Seconds)
{
    /// <summary>When the run finished (UTC).</summary>
    public DateTime FinishedUtc { get; init; } = DateTime.UtcNow;

    /// <summary>Path of <c>results.md</c>.</summary>
    [JsonIgnore]
    public string MarkdownPath => Path.Combine(Folder, "results.md");

    /// <summary>Path of <c>results.json</c>.</summary>
    [JsonIgnore]
    public string JsonPath => Path.Combine(Folder, "results.json");

    /// <summary>Path of <c>report.html</c>.</summary>
    [JsonIgnore]
    public string HtmlPath => Path.Combine(Folder, "report.html");
}
