using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using System.Text.Json;
using EdgeToolkit.EdgeAgent.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace EdgeToolkit.EdgeAgent.Tests;

public class PrometheusScrapeTests
{
    [Theory]
    [InlineData("edgeagent.stage.inference", "ms", false, "edgeagent_stage_inference_milliseconds")]
    [InlineData("edgeagent.frames.processed", "{frame}", false, "edgeagent_frames_processed")]
    [InlineData("edgeagent.cpu.temperature", "Cel", true, "edgeagent_cpu_temperature_celsius")]
    [InlineData("edgeagent.model.loaded", null, true, "edgeagent_model_loaded")]
    [InlineData("queue.fill", "1", true, "queue_fill_ratio")]
    [InlineData("queue.fill", "1", false, "queue_fill")]
    [InlineData("disk.ratio", "1", true, "disk_ratio")]
    [InlineData("net.sent", "By/s", false, "net_sent_bytes_per_second")]
    [InlineData("io..size", "By{packet}", false, "io_size_bytes")]
    [InlineData("9lives-left", "s", false, "_9lives_left_seconds")]
    [InlineData("call.duration_seconds", "s", false, "call_duration_seconds")]
    public void Names_follow_the_opentelemetry_prometheus_rules(string name, string? unit, bool gauge, string expected) =>
        Assert.Equal(expected, PrometheusScrape.MetricName(name, unit, gauge));

    [Fact]
    public void Nothing_is_scraped_before_the_reader_joins_a_meter_provider()
    {
        using var scrape = new PrometheusScrape();
        Assert.Null(scrape.Scrape(100));
    }

    [Fact]
    public void Counters_histograms_and_gauges_are_written_cumulatively_and_a_prometheus_parser_reads_them_back()
    {
        string meterName = "EdgeToolkit.Tests.Scrape." + Guid.NewGuid().ToString("N");
        using var meter = new Meter(meterName, "1.2.3");
        using var scrape = new PrometheusScrape();
        using var provider = Sdk.CreateMeterProviderBuilder().AddMeter(meterName).AddReader(scrape.Reader).Build();
        var frames = meter.CreateCounter<long>("edgeagent.frames.bad", "{frame}", "Frames refused (tag reason)");
        var latency = meter.CreateHistogram<double>("edgeagent.stage.inference", "ms", "Per-frame latency\nof inference");
        double temperature = 51.5;
        meter.CreateObservableGauge("edgeagent.cpu.temperature", () => temperature, "Cel", "CPU temperature");
        frames.Add(2, new KeyValuePair<string, object?>("reason", "decode-error"));
        frames.Add(1, new KeyValuePair<string, object?>("reason", "say \"cheese\"\\"));
        foreach (double ms in new[] { 3.0, 4.5, 7.0, 30.0, 20000.0 }) latency.Record(ms);

        string first = Encoding.UTF8.GetString(scrape.Scrape()!);
        string scope = $"otel_scope_name=\"{meterName}\",otel_scope_version=\"1.2.3\"";
        Assert.Contains("# TYPE edgeagent_frames_bad_total counter\n# HELP edgeagent_frames_bad_total Frames refused (tag reason)\n", first, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_frames_bad_total{{{scope},reason=\"decode-error\"}} 2\n", first, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_frames_bad_total{{{scope},reason=\"say \\\"cheese\\\"\\\\\"}} 1\n", first, StringComparison.Ordinal);
        Assert.Contains("# HELP edgeagent_stage_inference_milliseconds Per-frame latency\\nof inference\n", first, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_stage_inference_milliseconds_bucket{{{scope},le=\"5\"}} 2\n", first, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_stage_inference_milliseconds_bucket{{{scope},le=\"10\"}} 3\n", first, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_stage_inference_milliseconds_bucket{{{scope},le=\"10000\"}} 4\n", first, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_stage_inference_milliseconds_bucket{{{scope},le=\"+Inf\"}} 5\n", first, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_stage_inference_milliseconds_sum{{{scope}}} 20044.5\n", first, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_stage_inference_milliseconds_count{{{scope}}} 5\n", first, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_cpu_temperature_celsius{{{scope}}} 51.5\n", first, StringComparison.Ordinal);
        Assert.StartsWith("# TYPE target_info gauge\n", first, StringComparison.Ordinal);

        // cumulative: a second scrape adds to the first
        frames.Add(5, new KeyValuePair<string, object?>("reason", "decode-error"));
        latency.Record(1.0);
        temperature = 60.25;
        string second = Encoding.UTF8.GetString(scrape.Scrape()!);
        Assert.Contains($"edgeagent_frames_bad_total{{{scope},reason=\"decode-error\"}} 7\n", second, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_stage_inference_milliseconds_count{{{scope}}} 6\n", second, StringComparison.Ordinal);
        Assert.Contains($"edgeagent_cpu_temperature_celsius{{{scope}}} 60.25\n", second, StringComparison.Ordinal);

        // The reference parser (python3-prometheus-client) reads every family and sample of it.
        var parsed = ParseWithPrometheusClient(second);
        Assert.Equal("counter", parsed["edgeagent_frames_bad"].Type);
        Assert.Equal("histogram", parsed["edgeagent_stage_inference_milliseconds"].Type);
        Assert.Equal("gauge", parsed["edgeagent_cpu_temperature_celsius"].Type);
        Assert.Equal("gauge", parsed["target_info"].Type);
        Assert.Contains(parsed["edgeagent_frames_bad"].Samples, s => s.Name == "edgeagent_frames_bad_total" && s.Labels["reason"] == "say \"cheese\"\\" && s.Value == 1);
        Assert.Contains(parsed["edgeagent_stage_inference_milliseconds"].Samples, s => s.Name.EndsWith("_bucket", StringComparison.Ordinal) && s.Labels["le"] == "+Inf" && s.Value == 6);
        Assert.Contains(parsed["edgeagent_stage_inference_milliseconds"].Samples, s => s.Name.EndsWith("_sum", StringComparison.Ordinal) && s.Value == 20045.5);
        Assert.Equal(first.Split('\n').Length, second.Split('\n').Length);
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    private sealed record Family(string Type, List<Sample> Samples);

    private static Dictionary<string, Family> ParseWithPrometheusClient(string text)
    {
        const string Script = """
            import sys, json
            from prometheus_client.parser import text_string_to_metric_families
            out = {}
            for f in text_string_to_metric_families(sys.stdin.read()):
                out[f.name] = {"type": f.type, "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
            print(json.dumps(out))
            """;
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Script);
        using var process = Process.Start(psi)!;
        process.StandardInput.Write(text);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "prometheus_client could not parse the scrape (Debian python3-prometheus-client, /usr/bin/python3): " + stderr);
        using var doc = JsonDocument.Parse(stdout.Result);
        return doc.RootElement.EnumerateObject().ToDictionary(f => f.Name, f => new Family(
            f.Value.GetProperty("type").GetString()!,
            f.Value.GetProperty("samples").EnumerateArray().Select(s => new Sample(
                s.GetProperty("name").GetString()!,
                s.GetProperty("labels").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!),
                s.GetProperty("value").GetDouble())).ToList()));
    }
}
