using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// The report's optional sections, each drawn from files the passes leave in their folders when they exist:
/// training curves (<c>train-log.jsonl</c>), confusion matrices (<c>eval.json</c>), per-layer INT8 error
/// (<c>quantization-report.json</c>), pruning sensitivity (<c>sensitivity.json</c>) and the device agent's
/// per-stage bench (<c>agent-bench.json</c> in the run folder). A file that is missing is skipped; one that
/// cannot be read is named in the report instead of its chart.
/// </summary>
internal static class ReportSections
{
    /// <summary>The agent bench report <c>edgekit demo</c> writes into the run folder.</summary>
    public const string AgentBenchFile = "agent-bench.json";

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static string Percent(double v) => v.ToString("0.#%", Inv);

    /// <summary>All sections, in reading order.</summary>
    public static string All(PipelineResults results)
    {
        var sb = new StringBuilder();
        var folders = results.Steps.Select(s => (Step: s, Folder: Resolve(results.Folder, s.Folder))).ToList();
        Training(sb, folders);
        Confusion(sb, folders);
        Int8(sb, results, folders);
        Sensitivity(sb, folders);
        AgentBench(sb, Path.Combine(results.Folder, AgentBenchFile));
        return sb.ToString();
    }

    private static string Resolve(string root, string folder) => Path.IsPathRooted(folder) ? folder : Path.GetFullPath(Path.Combine(root, folder));

    private static string Title(PipelineStep s) => $"{s.Index + 1}. {s.Pass} {s.VariantKey}";

    private static void Training(StringBuilder sb, List<(PipelineStep Step, string Folder)> folders)
    {
        var runs = folders.Where(f => File.Exists(Path.Combine(f.Folder, "train-log.jsonl"))).ToList();
        if (runs.Count == 0) return;
        sb.Append("<h2 id=\"training\">Training curves</h2>\n");
        foreach (var (step, folder) in runs)
        {
            string file = Path.Combine(folder, "train-log.jsonl");
            var epochs = new List<(double Epoch, double Loss, double Train, double Test, double Lr)>();
            try
            {
                foreach (string line in File.ReadLines(file))
                {
                    if (string.IsNullOrWhiteSpace(line)) continue;
                    using var doc = JsonDocument.Parse(line);
                    var r = doc.RootElement;
                    epochs.Add((Get(r, "epoch"), Get(r, "loss"), Get(r, "train_acc"), Get(r, "test_acc"), Get(r, "lr")));
                }
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                Unreadable(sb, file, e);
                continue;
            }
            sb.Append("<div class=\"group\"><h3>").Append(Enc(Title(step))).Append("</h3><div class=\"charts\">\n");
            Figure(sb, "training-loss", "Loss per epoch", ReportCharts.Line("loss",
                [new ChartSeries("training loss", ReportCharts.Palette[0], epochs.Select(e => (e.Epoch, e.Loss)).ToList())], "epoch", "loss"));
            Figure(sb, "training-accuracy", "Accuracy per epoch", ReportCharts.Line("accuracy",
                [
                    new ChartSeries("train", ReportCharts.Palette[0], epochs.Select(e => (e.Epoch, e.Train)).ToList()),
                    new ChartSeries("test", ReportCharts.Palette[1], epochs.Select(e => (e.Epoch, e.Test)).ToList()),
                ], "epoch", "top-1 accuracy", Percent));
            Figure(sb, "training-lr", "Learning rate", ReportCharts.Line("learning rate",
                [new ChartSeries("learning rate", ReportCharts.Palette[2], epochs.Select(e => (e.Epoch, e.Lr)).ToList())], "epoch", "learning rate", xFromZero: false));
            sb.Append("</div></div>\n");
        }
    }

    private static void Confusion(StringBuilder sb, List<(PipelineStep Step, string Folder)> folders)
    {
        var evals = folders.Where(f => File.Exists(Path.Combine(f.Folder, EvaluatePass.ReportFile))).ToList();
        bool heading = false;
        foreach (var (step, folder) in evals)
        {
            string file = Path.Combine(folder, EvaluatePass.ReportFile);
            List<string> labels;
            long[][] matrix;
            string what;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file));
                var r = doc.RootElement;
                if (!r.TryGetProperty("confusion", out var c) || !r.TryGetProperty("labels", out var l)) continue;
                labels = l.EnumerateArray().Select(x => x.GetString() ?? "").ToList();
                matrix = c.EnumerateArray().Select(row => row.EnumerateArray().Select(x => x.GetInt64()).ToArray()).ToArray();
                if (matrix.Length != labels.Count || matrix.Any(row => row.Length != labels.Count))
                    throw new JsonException($"confusion is not {labels.Count}x{labels.Count}");
                what = string.Create(Inv, $"{Str(r, "architecture")} alpha {Get(r, "alpha"):0.###} {Str(r, "precision")}: top-1 {Percent(Get(r, "top1"))} on {Get(r, "images"):0} images");
            }
            catch (Exception e) when (e is JsonException or IOException or InvalidOperationException or FormatException)
            {
                Unreadable(sb, file, e);
                continue;
            }
            if (!heading)
            {
                sb.Append("<h2 id=\"confusion\">Confusion matrices and per-class accuracy</h2>\n");
                heading = true;
            }
            var perClass = labels.Select((name, i) =>
            {
                long total = matrix[i].Sum();
                double acc = total == 0 ? 0 : (double)matrix[i][i] / total;
                return (name, acc * 100, ReportCharts.Palette[0], string.Create(Inv, $"{name}: {matrix[i][i]} of {total} right ({acc:P1})"));
            }).ToList();
            sb.Append("<div class=\"group\"><h3>").Append(Enc(Title(step))).Append(": ").Append(Enc(what)).Append("</h3><div class=\"charts\">\n");
            Figure(sb, "confusion", "Confusion matrix (rows: true class)", ReportCharts.Heatmap("confusion matrix", labels, matrix));
            Figure(sb, "per-class", "Per-class accuracy", ReportCharts.Bars("per-class accuracy", perClass, "accuracy (%)"));
            sb.Append("</div></div>\n");
        }
    }

    private static void Int8(StringBuilder sb, PipelineResults results, List<(PipelineStep Step, string Folder)> folders)
    {
        var files = folders.Select(f => (Title: Title(f.Step), File: Path.Combine(f.Folder, "quantization-report.json")))
            .Concat(results.Rows.Select(r => (Title: string.Create(Inv, $"{r.Architecture} alpha {r.Alpha:0.###} {Preprocessing.KebabCase.Name(r.Precision)}"), File: Path.Combine(Resolve(results.Folder, r.ModelFolder), "quantization-report.json"))))
            .Where(f => File.Exists(f.File))
            .DistinctBy(f => Path.GetFullPath(f.File))
            .ToList();
        if (files.Count == 0) return;
        sb.Append("<h2 id=\"int8\">INT8 error per layer</h2>\n<p class=\"muted\">SQNR of each quantized layer's output against the float model on calibration images, as the quantizer computed it (higher is better; grey: layers kept in float).</p>\n");
        foreach (var (title, file) in files)
        {
            List<(string, double, string, string)> bars;
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file));
                bars = doc.RootElement.GetProperty("layers").EnumerateArray().Select(l =>
                {
                    string name = Str(l, "name");
                    string op = Str(l, "op");
                    bool isFloat = l.TryGetProperty("float", out var f) && f.ValueKind == JsonValueKind.True;
                    double sqnr = l.TryGetProperty("sqnrDb", out var q) && q.ValueKind == JsonValueKind.Number ? q.GetDouble() : double.NaN;
                    return (name, double.IsFinite(sqnr) ? sqnr : 0, isFloat ? "#aaa" : ReportCharts.Palette[4],
                        string.Create(Inv, $"{name} ({op}){(isFloat ? ", float" : "")}: {(double.IsFinite(sqnr) ? sqnr.ToString("F1", Inv) + " dB" : "no figure")}"));
                }).ToList();
            }
            catch (Exception e) when (e is JsonException or IOException or KeyNotFoundException or InvalidOperationException)
            {
                Unreadable(sb, file, e);
                continue;
            }
            sb.Append("<div class=\"group\"><h3>").Append(Enc(title)).Append("</h3><div class=\"charts\">\n");
            Figure(sb, "int8-sqnr", "SQNR per layer (dB)", ReportCharts.Bars("int8 error per layer", bars, "SQNR (dB)"));
            sb.Append("</div></div>\n");
        }
    }

    private static void Sensitivity(StringBuilder sb, List<(PipelineStep Step, string Folder)> folders)
    {
        var files = folders.Where(f => File.Exists(Path.Combine(f.Folder, "sensitivity.json"))).ToList();
        if (files.Count == 0) return;
        sb.Append("<h2 id=\"sensitivity\">Pruning sensitivity</h2>\n<p class=\"muted\">Accuracy when one layer alone is pruned by each ratio (dashed: the unpruned baseline).</p>\n");
        foreach (var (step, folder) in files)
        {
            string file = Path.Combine(folder, "sensitivity.json");
            var series = new List<ChartSeries>();
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(file));
                var r = doc.RootElement;
                int i = 0;
                double maxRatio = 0, minRatio = 1;
                foreach (var layer in r.GetProperty("layers").EnumerateArray())
                {
                    var ratios = layer.GetProperty("ratios").EnumerateArray().Select(x => x.GetDouble()).ToList();
                    var accuracy = layer.GetProperty("accuracy").EnumerateArray().Select(x => x.GetDouble()).ToList();
                    if (ratios.Count != accuracy.Count) throw new JsonException($"layer {Str(layer, "name")}: {ratios.Count} ratios but {accuracy.Count} accuracies");
                    if (ratios.Count > 0) { maxRatio = Math.Max(maxRatio, ratios.Max()); minRatio = Math.Min(minRatio, ratios.Min()); }
                    series.Add(new ChartSeries(Str(layer, "name"), ReportCharts.Palette[i++ % ReportCharts.Palette.Length], ratios.Zip(accuracy).ToList()));
                }
                if (r.TryGetProperty("baseline", out var b) && b.ValueKind == JsonValueKind.Number && series.Count > 0)
                    series.Add(new ChartSeries("baseline", "#555", [(Math.Min(0, minRatio), b.GetDouble()), (maxRatio, b.GetDouble())], Dashed: true));
            }
            catch (Exception e) when (e is JsonException or IOException or KeyNotFoundException or InvalidOperationException)
            {
                Unreadable(sb, file, e);
                continue;
            }
            sb.Append("<div class=\"group\"><h3>").Append(Enc(Title(step))).Append("</h3><div class=\"charts\">\n");
            Figure(sb, "sensitivity", "Accuracy vs pruning ratio per layer", ReportCharts.Line("pruning sensitivity", series, "pruned ratio", "top-1 accuracy", Percent));
            sb.Append("</div></div>\n");
        }
    }

    private static void AgentBench(StringBuilder sb, string file)
    {
        if (!File.Exists(file)) return;
        List<(string, double, string, string)> bars = [];
        string summary;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var r = doc.RootElement;
            foreach (var stage in r.GetProperty("stages").EnumerateObject())
            {
                double p50 = Get(stage.Value, "p50"), p99 = Get(stage.Value, "p99");
                bars.Add(($"{stage.Name} p50", p50, ReportCharts.Palette[0], string.Create(Inv, $"{stage.Name}: p50 {p50:F3} ms")));
                bars.Add(($"{stage.Name} p99", p99, ReportCharts.Palette[1], string.Create(Inv, $"{stage.Name}: p99 {p99:F3} ms")));
            }
            summary = string.Create(Inv, $"{Get(r, "fps"):F1} frames/s over {Get(r, "framesProcessed"):0} frames, source {Str(r, "source")}");
            if (r.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.Object)
                summary += $"; model {Str(m, "architecture")} {Str(m, "precision")}";
        }
        catch (Exception e) when (e is JsonException or IOException or KeyNotFoundException or InvalidOperationException)
        {
            sb.Append("<h2 id=\"agent\">Device agent bench</h2>\n");
            Unreadable(sb, file, e);
            return;
        }
        sb.Append("<h2 id=\"agent\">Device agent bench</h2>\n<p class=\"muted\">").Append(Enc(summary))
          .Append(" (the agent's own --bench on this machine: capture queue wait, decode, preprocess, inference and capture-to-result total).</p>\n<div class=\"charts\">\n");
        Figure(sb, "agent-stages", "Per-stage latency (ms)", ReportCharts.Bars("agent per-stage latency", bars, "milliseconds"));
        sb.Append("</div>\n");
    }

    private static void Figure(StringBuilder sb, string kind, string caption, string svg) =>
        sb.Append("<figure data-chart=\"").Append(kind).Append("\"><figcaption>").Append(Enc(caption)).Append("</figcaption>\n").Append(svg).Append("</figure>\n");

    private static void Unreadable(StringBuilder sb, string file, Exception e) =>
        sb.Append("<p class=\"error\">").Append(Enc($"{file}: cannot be read ({e.Message})")).Append("</p>\n");

    private static double Get(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.NaN;

    private static string Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind == JsonValueKind.String ? v.GetString() ?? "" : v.ToString() : "";

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
