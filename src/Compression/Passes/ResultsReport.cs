using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.ModelBundle;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Writes a pipeline's results as <c>results.md</c>, <c>results.json</c> and a self-contained
/// <c>report.html</c> (inline CSS and SVG charts, no scripts or network: opens offline).
/// </summary>
public static class ResultsReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

    /// <summary>Writes all three files into <see cref="PipelineResults.Folder"/>.</summary>
    public static void WriteAll(PipelineResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        AtomicFile.WriteAllText(results.MarkdownPath, Markdown(results));
        AtomicFile.WriteAllText(results.JsonPath, Json(results));
        AtomicFile.WriteAllText(results.HtmlPath, Html(results));
    }

    /// <summary>The Markdown table (architecture, alpha, precision, params, MACs, file size, accuracy, latency p50/p99).</summary>
    public static string Markdown(PipelineResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sb = new StringBuilder();
        sb.Append(Inv, $"# {results.Name}\n\nData: {results.Dataset}. Finished {results.FinishedUtc:yyyy-MM-dd HH:mm} UTC in {results.Seconds:F0} s.\n\n");
        sb.Append(Table(results.Rows));
        return sb.ToString();
    }

    /// <summary>The results table alone, as Markdown.</summary>
    public static string Table(IReadOnlyList<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var sb = new StringBuilder();
        sb.Append("| architecture | alpha | precision | params | MACs | file size | accuracy | latency p50 | latency p99 |\n");
        sb.Append("|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
        foreach (var r in rows)
        {
            sb.Append(Inv, $"| {r.Architecture} | {r.Alpha:0.###} | {KebabCase.Name(r.Precision)} | {Count(r.Parameters)} | {Count(r.Macs)} | {Bytes(r.FileSizeBytes)} | ");
            sb.Append(Inv, $"{Percent(r.Accuracy)} | {Ms(r.LatencyP50Ms)} | {Ms(r.LatencyP99Ms)} |\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The results as indented JSON (camelCase). Model and step folders are written relative to the run folder (the
    /// folder holding <c>results.json</c>), never as absolute paths of the machine that ran it.
    /// </summary>
    public static string Json(PipelineResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var relative = results with
        {
            Rows = [.. results.Rows.Select(r => r with { ModelFolder = RunRelative(results, r.ModelFolder) })],
            Steps = [.. results.Steps.Select(s => s with { Folder = RunRelative(results, s.Folder) })],
        };
        return JsonSerializer.Serialize(relative, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });
    }

    private static string RunRelative(PipelineResults results, string path) => RelativePath.From(results.Folder, path);

    /// <summary>The self-contained HTML report.</summary>
    public static string Html(PipelineResults results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sb = new StringBuilder();
        string title = WebUtility.HtmlEncode($"EdgeToolkit results: {results.Name}");
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>").Append(title).Append("</title>\n<style>\n")
          .Append("body{font-family:system-ui,sans-serif;margin:1em auto;padding:0 1em;color:#222;max-width:1100px}")
          .Append(".wide{overflow-x:auto}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:4px 10px}td.n{text-align:right}")
          .Append("th{background:#f3f3f3}.charts{display:flex;flex-wrap:wrap;gap:1.5em}figure{margin:0;max-width:100%}figcaption{font-weight:600;margin-bottom:.3em}")
          .Append("svg.chart{max-width:100%;height:auto}svg text{font-size:11px;font-family:system-ui,sans-serif}.muted{color:#666}.error{color:#b00}")
          .Append("h3{font-size:1em;margin:1.2em 0 .4em}nav a{margin-right:1em}\n</style></head><body>\n");
        sb.Append("<h1>").Append(title).Append("</h1>\n<p class=\"muted\">")
          .Append(WebUtility.HtmlEncode(string.Create(Inv, $"Data: {results.Dataset}. Finished {results.FinishedUtc:yyyy-MM-dd HH:mm} UTC in {results.Seconds:F0} s.")))
          .Append("</p>\n<nav class=\"muted\"><a href=\"#pareto\">Pareto charts</a><a href=\"#training\">training</a><a href=\"#confusion\">confusion</a><a href=\"#int8\">INT8 error</a><a href=\"#sensitivity\">pruning</a><a href=\"#agent\">agent</a><a href=\"#steps\">steps</a></nav>\n")
          .Append("<div class=\"wide\"><table><thead><tr><th>architecture</th><th>alpha</th><th>precision</th><th>params</th><th>MACs</th><th>file size</th><th>accuracy</th><th>latency p50</th><th>latency p99</th><th>passes</th></tr></thead><tbody>\n");
        foreach (var r in results.Rows)
        {
            sb.Append(Inv, $"<tr><td>{Enc(r.Architecture)}</td><td class=\"n\">{r.Alpha:0.###}</td><td>{KebabCase.Name(r.Precision)}</td><td class=\"n\">{Count(r.Parameters)}</td>");
            sb.Append(Inv, $"<td class=\"n\">{Count(r.Macs)}</td><td class=\"n\">{Bytes(r.FileSizeBytes)}</td><td class=\"n\">{Percent(r.Accuracy)}</td>");
            sb.Append(Inv, $"<td class=\"n\">{Ms(r.LatencyP50Ms)}</td><td class=\"n\">{Ms(r.LatencyP99Ms)}</td><td>{Enc(string.Join(" → ", r.Lineage))}</td></tr>\n");
        }
        sb.Append("</tbody></table></div>\n<h2 id=\"pareto\">Accuracy against latency and size</h2>\n<p class=\"muted\">Dashed: the Pareto front (no other model is both more accurate and faster / smaller).</p>\n<div class=\"charts\">\n");
        var withAccuracy = results.Rows.Where(r => r.Accuracy is not null).ToList();
        sb.Append("<figure data-chart=\"pareto-latency\"><figcaption>Accuracy vs latency (p50, batch 1)</figcaption>\n")
          .Append(Scatter(withAccuracy.Where(r => r.LatencyP50Ms is not null).Select(r => (r, r.LatencyP50Ms!.Value)).ToList(), "latency p50 (ms)"))
          .Append("</figure>\n<figure data-chart=\"pareto-size\"><figcaption>Accuracy vs model file size</figcaption>\n")
          .Append(Scatter(withAccuracy.Select(r => (r, r.FileSizeBytes / 1024.0)).ToList(), "file size (KiB)"))
          .Append("</figure>\n</div>\n").Append(ReportSections.All(results))
          .Append("<h2 id=\"steps\">Steps</h2>\n<div class=\"wide\"><table><thead><tr><th>#</th><th>pass</th><th>variant</th><th>seconds</th><th>folder</th></tr></thead><tbody>\n");
        foreach (var s in results.Steps)
            sb.Append(Inv, $"<tr><td class=\"n\">{s.Index + 1}</td><td>{Enc(s.Pass)}</td><td>{Enc(s.VariantKey)}</td><td class=\"n\">{s.Seconds:F1}</td><td>{Enc(RunRelative(results, s.Folder))}</td></tr>\n");
        sb.Append("</tbody></table></div>\n</body></html>\n");
        return sb.ToString();
    }

    /// <summary>An SVG scatter plot of accuracy (y) against <paramref name="points"/>' x values; one colour per architecture/alpha, a square for int8.</summary>
    internal static string Scatter(IReadOnlyList<(ResultRow Row, double X)> points, string xLabel)
    {
        const int W = 480, H = 320, L = 56, R = 150, T = 14, B = 40;
        var sb = new StringBuilder();
        sb.Append(Inv, $"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" viewBox=\"0 0 {W} {H}\" role=\"img\" aria-label=\"accuracy vs {Enc(xLabel)}\">\n");
        sb.Append(Inv, $"<rect x=\"{L}\" y=\"{T}\" width=\"{W - L - R}\" height=\"{H - T - B}\" fill=\"#fff\" stroke=\"#999\"/>\n");
        if (points.Count == 0)
        {
            sb.Append(Inv, $"<text x=\"{L + 10}\" y=\"{T + 20}\">no measurements</text></svg>\n");
            return sb.ToString();
        }
        var xTicks = ReportCharts.Ticks(0, points.Max(p => p.X) * 1.05, 4);
        double xMin = 0, xMax = xTicks[^1];
        double yLo = points.Min(p => p.Row.Accuracy!.Value), yHi = points.Max(p => p.Row.Accuracy!.Value);
        var yTicks = ReportCharts.Ticks(Math.Max(0, yLo - 0.01), Math.Min(1, yHi + 0.01), 4);
        double yMin = yTicks[0], yMax = yTicks[^1];
        double xStep = xTicks.Count > 1 ? xTicks[1] - xTicks[0] : 1, yStep = yTicks.Count > 1 ? yTicks[1] - yTicks[0] : 0.01;
        double Px(double x) => L + (x - xMin) / (xMax - xMin) * (W - L - R);
        double Py(double y) => H - B - (y - yMin) / (yMax - yMin) * (H - T - B);
        foreach (double x in xTicks)
            sb.Append(Inv, $"<line x1=\"{Px(x):F1}\" y1=\"{T}\" x2=\"{Px(x):F1}\" y2=\"{H - B}\" stroke=\"#eee\"/><text class=\"tick\" x=\"{Px(x):F1}\" y=\"{H - B + 14}\" text-anchor=\"middle\">{ReportCharts.Number(x, xStep)}</text>\n");
        foreach (double y in yTicks)
            sb.Append(Inv, $"<line x1=\"{L}\" y1=\"{Py(y):F1}\" x2=\"{W - R}\" y2=\"{Py(y):F1}\" stroke=\"#eee\"/><text class=\"tick\" x=\"{L - 4}\" y=\"{Py(y) + 4:F1}\" text-anchor=\"end\">{ReportCharts.Number(y * 100, yStep * 100)}%</text>\n");
        // Pareto front: sorted by x, every point more accurate than all cheaper ones.
        var front = new List<(double X, double Y)>();
        foreach (var (row, x) in points.OrderBy(p => p.X).ThenByDescending(p => p.Row.Accuracy))
            if (front.Count == 0 || row.Accuracy!.Value > front[^1].Y) front.Add((x, row.Accuracy!.Value));
        if (front.Count > 1)
            sb.Append(Inv, $"<polyline class=\"front\" points=\"{string.Join(" ", front.Select(f => string.Create(Inv, $"{Px(f.X):F1},{Py(f.Y):F1}")))}\" fill=\"none\" stroke=\"#888\" stroke-dasharray=\"5 4\"/>\n");
        sb.Append(Inv, $"<text x=\"{(L + W - R) / 2}\" y=\"{H - 6}\" text-anchor=\"middle\">{Enc(xLabel)}</text>\n");
        sb.Append(Inv, $"<text x=\"12\" y=\"{(T + H - B) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {(T + H - B) / 2})\">top-1 accuracy</text>\n");
        var series = points.Select(p => SeriesName(p.Row)).Distinct().ToList();
        foreach (var (row, x) in points)
        {
            string colour = Palette[series.IndexOf(SeriesName(row)) % Palette.Length];
            double cx = Px(x), cy = Py(row.Accuracy!.Value);
            string tip = Enc(string.Create(Inv, $"{row.Architecture} a{row.Alpha} {KebabCase.Name(row.Precision)}: {row.Accuracy:P2}, {xLabel} {ReportCharts.Number(x, 0.01)}"));
            if (row.Precision == Precision.Int8)
                sb.Append(Inv, $"<rect x=\"{cx - 5:F1}\" y=\"{cy - 5:F1}\" width=\"10\" height=\"10\" fill=\"{colour}\"><title>{tip}</title></rect>\n");
            else
                sb.Append(Inv, $"<circle cx=\"{cx:F1}\" cy=\"{cy:F1}\" r=\"5.5\" fill=\"{colour}\"><title>{tip}</title></circle>\n");
        }
        for (int i = 0; i < series.Count; i++)
        {
            double y = T + 12 + i * 16;
            sb.Append(Inv, $"<circle cx=\"{W - R + 14}\" cy=\"{y - 4}\" r=\"5\" fill=\"{Palette[i % Palette.Length]}\"/><text x=\"{W - R + 24}\" y=\"{y}\">{Enc(series[i])}</text>\n");
        }
        double legendY = T + 12 + series.Count * 16 + 6;
        sb.Append(Inv, $"<text x=\"{W - R + 8}\" y=\"{legendY}\" class=\"muted\">● fp32  ■ int8</text>\n</svg>\n");
        return sb.ToString();
    }

    private static string SeriesName(ResultRow r) => PrunePass.IsMobileNet(r.Architecture)
        ? string.Create(Inv, $"{r.Architecture} a{r.Alpha:0.###}")
        : r.Architecture;

    private static string Enc(string s) => WebUtility.HtmlEncode(s);

    /// <summary>1234567 as "1.23M".</summary>
    public static string Count(long n) => n switch
    {
        >= 1_000_000_000 => string.Create(Inv, $"{n / 1e9:F2}G"),
        >= 1_000_000 => string.Create(Inv, $"{n / 1e6:F2}M"),
        >= 1_000 => string.Create(Inv, $"{n / 1e3:F1}K"),
        _ => n.ToString(Inv),
    };

    /// <summary>A byte count as KiB or MiB.</summary>
    public static string Bytes(long n) => n >= 1024 * 1024
        ? string.Create(Inv, $"{n / 1048576.0:F2} MiB")
        : string.Create(Inv, $"{n / 1024.0:F1} KiB");

    private static string Percent(double? v) => v is { } x ? string.Create(Inv, $"{x * 100:F2}%") : "–";

    private static string Ms(double? v) => v is { } x ? string.Create(Inv, $"{x:F3} ms") : "–";
}
