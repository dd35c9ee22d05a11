using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeToolkit.Compression.Passes;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Tests.Shared;
using Xunit.Abstractions;

namespace EdgeToolkit.Compression.Tests.Passes;

/// <summary>The HTML report with every optional section, checked as text and in headless Chromium (offline, phone width).</summary>
public sealed partial class ReportChartsTests : IDisposable
{
    private static readonly string[] Charts =
        ["pareto-latency", "pareto-size", "training-loss", "training-accuracy", "training-lr", "confusion", "per-class", "int8-sqnr", "sensitivity", "agent-stages"];

    private readonly string root = Directory.CreateTempSubdirectory("report-charts-").FullName;
    private readonly ITestOutputHelper output;

    public ReportChartsTests(ITestOutputHelper output) => this.output = output;

    [Theory]
    [InlineData(5000, 1000, "5,000")]
    [InlineData(25000, 5000, "25k")]
    [InlineData(12500, 2500, "12.5k")]
    [InlineData(3_000_000, 1_000_000, "3M")]
    [InlineData(0.25, 0.25, "0.25")]
    [InlineData(2.5, 2.5, "2.5")]
    [InlineData(0.001, 0.0005, "0.0010")]
    [InlineData(40, 10, "40")]
    public void Tick_labels_are_written_as_people_read_them(double value, double step, string text) =>
        Assert.Equal(text, ReportCharts.Number(value, step));

    [Theory]
    [InlineData(0, 5300, 0, 6000)]
    [InlineData(0.87, 0.93, 0.86, 0.94)]
    [InlineData(1, 1, 1, 1.1)]
    public void Ticks_are_round_and_cover_the_range(double min, double max, double first, double last)
    {
        var t = ReportCharts.Ticks(min, max, 4);
        Assert.Equal(first, t[0], 9);
        Assert.Equal(last, t[^1], 9);
        Assert.InRange(t.Count, 3, 8);
    }

    private string Step(string name, params (string File, string Text)[] files)
    {
        string folder = Path.Combine(root, name);
        Directory.CreateDirectory(folder);
        foreach (var (file, text) in files) File.WriteAllText(Path.Combine(folder, file), text);
        return folder;
    }

    private PipelineResults Results()
    {
        string[] labels = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];
        var log = string.Join("\n", Enumerable.Range(1, 8).Select(e => JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["epoch"] = e, ["loss"] = 2.0 / e, ["train_acc"] = 0.5 + e * 0.05, ["test_acc"] = 0.48 + e * 0.05, ["lr"] = 0.1 * Math.Cos(e / 8.0 * Math.PI / 2),
            ["seconds"] = 3, ["images_per_s"] = 5000,
        })));
        var confusion = labels.Select((_, i) => labels.Select((_, j) => i == j ? 90L - i : (j == (i + 1) % labels.Length ? 10L + i : 0L)).ToArray()).ToArray();
        string eval = JsonSerializer.Serialize(new { architecture = "mobilenet_v1", alpha = 0.5, precision = "int8", images = 1000, top1 = 0.855, top5 = 0.99, labels, confusion });
        string quant = JsonSerializer.Serialize(new
        {
            fusion = new { convs = 14 },
            layers = Enumerable.Range(0, 14).Select(i => new { name = $"features.{i}.conv", op = "Conv", sqnrDb = i == 0 ? (double?)null : 20 + i, @float = i == 0 }),
        });
        string sensitivity = JsonSerializer.Serialize(new
        {
            layers = Enumerable.Range(1, 4).Select(i => new { name = $"features.{i}", ratios = new[] { 0.25, 0.5, 0.75 }, accuracy = new[] { 0.9 - 0.01 * i, 0.88 - 0.03 * i, 0.8 - 0.1 * i } }),
            baseline = 0.91,
        });
        string bench = JsonSerializer.Serialize(new
        {
            fps = 812.4, framesProcessed = 500, source = "folder frames",
            model = new { architecture = "mobilenet_v1", precision = "int8" },
            stages = new Dictionary<string, object>
            {
                ["wait"] = new { count = 500, p50 = 0.2, p90 = 0.3, p99 = 0.9, max = 1.2, mean = 0.25 },
                ["decode"] = new { count = 500, p50 = 0.3, p90 = 0.4, p99 = 0.6, max = 0.8, mean = 0.31 },
                ["preprocess"] = new { count = 500, p50 = 0.05, p90 = 0.06, p99 = 0.1, max = 0.2, mean = 0.05 },
                ["inference"] = new { count = 500, p50 = 0.6, p90 = 0.7, p99 = 1.4, max = 2.0, mean = 0.62 },
                ["total"] = new { count = 500, p50 = 1.2, p90 = 1.5, p99 = 2.6, max = 3.1, mean = 1.25 },
            },
        });
        File.WriteAllText(Path.Combine(root, "agent-bench.json"), bench);
        string train = Step("01-train", ("train-log.jsonl", log));
        string prune = Step("02-prune", ("sensitivity.json", sensitivity));
        string quantize = Step("03-quantize", ("quantization-report.json", quant));
        string evaluate = Step("04-evaluate", ("eval.json", eval));
        var rows = new[]
        {
            // Sizes in KiB of several thousands: the old axis wrote 5E+03.
            new ResultRow("mobilenet_v1", 1.0, Precision.Fp32, 3_200_000, 11_000_000, 12_800_000, 0.91, 2.5, 3.9, train),
            new ResultRow("mobilenet_v1", 0.5, Precision.Fp32, 820_000, 3_000_000, 5_300_000, 0.89, 1.1, 1.6, train),
            new ResultRow("mobilenet_v1", 0.5, Precision.Int8, 820_000, 3_000_000, 1_400_000, 0.885, 0.6, 0.9, quantize),
        };
        PipelineStep S(int i, string pass, string folder) => new(i, pass, "mobilenet_v1-a0.5", Path.GetRelativePath(root, folder), 1);
        return new PipelineResults("report test", root, "fashion-mnist", rows,
            [S(0, "train", train), S(1, "prune", prune), S(2, "quantize", quantize), S(3, "evaluate", evaluate)], 60);
    }

    [Fact]
    public void Every_section_is_drawn_with_readable_axes_and_nothing_external()
    {
        string html = ResultsReport.Html(Results());
        foreach (string chart in Charts)
            Assert.Contains($"data-chart=\"{chart}\"", html, StringComparison.Ordinal);
        Assert.Equal(Charts.Length, html.Split("<svg ").Length - 1);
        Assert.DoesNotMatch(@">[-\d.,]+E[+-]?\d+<", html); // no 5E+03 on any axis
        Assert.Contains(">5,000<", html, StringComparison.Ordinal); // file size axis in KiB
        Assert.Contains(">10k<", html, StringComparison.Ordinal);
        Assert.Contains("class=\"front\"", html, StringComparison.Ordinal); // Pareto front drawn
        Assert.Equal(100, Regex.Count(html, "class=\"cell\"")); // 10x10 confusion matrix
        Assert.Contains("Ankle boot: 81 of 100 right", html, StringComparison.Ordinal);
        Assert.Contains("features.0.conv (Conv), float", html, StringComparison.Ordinal);
        Assert.Contains("inference: p99 1.400 ms", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("name=\"viewport\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_section_file_is_named_and_the_rest_still_drawn()
    {
        var results = Results();
        File.WriteAllText(Path.Combine(root, "02-prune", "sensitivity.json"), "{\"layers\": [ {\"name\": \"x\", \"ratios\": [0.5], \"accuracy\": [");
        string html = ResultsReport.Html(results);
        Assert.Contains($"{Path.Combine(root, "02-prune", "sensitivity.json")}: cannot be read", html, StringComparison.Ordinal);
        Assert.Contains("data-chart=\"confusion\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("data-chart=\"sensitivity\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Headless_chromium_loads_the_report_offline_with_every_chart_and_no_errors()
    {
        var results = Results();
        ResultsReport.WriteAll(results);
        string url = new Uri(results.HtmlPath).AbsoluteUri;
        var (dom, log) = HeadlessChromium.Run(["--dump-dom", url], 1000, 412, 900);
        output.WriteLine(log);
        foreach (string chart in Charts)
            Assert.Matches($"<figure data-chart=\"{chart}\"><figcaption>[^<]+</figcaption>\\s*<svg class=\"chart\"", dom);
        Assert.Equal(Charts.Length, Regex.Count(dom, "<svg "));
        Assert.DoesNotContain("Uncaught", log, StringComparison.Ordinal);
        Assert.DoesNotContain("ERR_", log, StringComparison.Ordinal); // nothing fetched (and failed) from anywhere
        string png = Path.Combine(HeadlessChromium.ArtefactFolder, "report-phone.png");
        HeadlessChromium.Screenshot(url, png, 1000, 412, 5600);
        output.WriteLine($"screenshot: {png}");
        Assert.True(new FileInfo(png).Length > 10_000);
    }

    public void Dispose()
    {
        try { Directory.Delete(root, recursive: true); } catch (IOException) { }
    }
}
