using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// The agent's Prometheus scrape: an OpenTelemetry metric reader (added to the host's meter provider, beside OTLP) that
/// collects only when asked and writes what it collected in the Prometheus text format 0.0.4, named as OpenTelemetry's
/// Prometheus exporter names them (<c>edgeagent.stage.inference</c> in ms → <c>edgeagent_stage_inference_milliseconds</c>
/// histogram, <c>edgeagent.frames.processed</c> → <c>edgeagent_frames_processed_total</c>, scope labels and
/// <c>target_info</c>), so dashboards built on the earlier exporter keep working. It replaces that exporter's own
/// <c>HttpListener</c>: <see cref="PrometheusEndpoint"/> serves it with <see cref="HttpGetServer"/>, like every endpoint.
/// </summary>
public sealed class PrometheusScrape : IDisposable
{
    /// <summary>The content type of <see cref="Scrape"/>'s text.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly Lock gate = new();
    private readonly PullExporter exporter;
    private readonly StringBuilder text = new(16384);
    private volatile bool collecting;

    /// <summary>Creates the reader; add <see cref="Reader"/> to the meter provider.</summary>
    public PrometheusScrape()
    {
        exporter = new PullExporter(this);
        Reader = new BaseExportingMetricReader(exporter);
    }

    /// <summary>The reader to add to the meter provider (cumulative, collected only by <see cref="Scrape"/>).</summary>
    public MetricReader Reader { get; }

    /// <summary>
    /// Every metric now, as Prometheus text (UTF-8); null when the reader is not attached to a meter provider yet or the
    /// collection did not finish within <paramref name="timeoutMilliseconds"/>. Scrapes at once take turns.
    /// </summary>
    public byte[]? Scrape(int timeoutMilliseconds = 5000)
    {
        lock (gate)
        {
            text.Clear();
            collecting = true;
            try
            {
                if (!Reader.Collect(timeoutMilliseconds) || text.Length == 0) return null;
                return Encoding.UTF8.GetBytes(text.ToString());
            }
            finally
            {
                collecting = false;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Reader.Dispose();
        exporter.Dispose();
    }

    /// <summary>Writes a collected batch in the Prometheus text format (0.0.4) to <paramref name="output"/>.</summary>
    public static void Write(StringBuilder output, in Batch<Metric> batch, IEnumerable<KeyValuePair<string, object>>? resource)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (resource is not null)
        {
            output.Append("# TYPE target_info gauge\n# HELP target_info Target metadata\ntarget_info");
            AppendLabels(output, resource.Select(a => new KeyValuePair<string, object?>(a.Key, a.Value)), null, null);
            output.Append(" 1\n");
        }
        foreach (var metric in batch) WriteMetric(output, metric);
    }

    private static void WriteMetric(StringBuilder output, Metric metric)
    {
        var type = metric.MetricType;
        bool counter = type is MetricType.LongSum or MetricType.DoubleSum;
        bool histogram = type == MetricType.Histogram;
        bool gauge = type is MetricType.LongGauge or MetricType.DoubleGauge or MetricType.LongSumNonMonotonic or MetricType.DoubleSumNonMonotonic;
        if (!counter && !histogram && !gauge) return; // exponential histograms: none of the agent's instruments
        string name = MetricName(metric.Name, metric.Unit, gauge);
        if (counter) name += "_total";
        output.Append("# TYPE ").Append(name).Append(counter ? " counter\n" : histogram ? " histogram\n" : " gauge\n");
        if (!string.IsNullOrEmpty(metric.Description))
            output.Append("# HELP ").Append(name).Append(' ').Append(metric.Description.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal)).Append('\n');
        var scope = new[]
        {
            new KeyValuePair<string, object?>("otel_scope_name", metric.MeterName),
            new KeyValuePair<string, object?>("otel_scope_version", metric.MeterVersion),
        }.Where(l => !string.IsNullOrEmpty(l.Value as string)).ToArray();
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var tags = new List<KeyValuePair<string, object?>>(scope);
            foreach (var tag in point.Tags) tags.Add(tag);
            if (histogram)
            {
                long cumulative = 0;
                foreach (var bucket in point.GetHistogramBuckets())
                {
                    cumulative += bucket.BucketCount;
                    output.Append(name).Append("_bucket");
                    AppendLabels(output, tags, "le", double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : Number(bucket.ExplicitBound));
                    output.Append(' ').Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
                output.Append(name).Append("_sum");
                AppendLabels(output, tags, null, null);
                output.Append(' ').Append(Number(point.GetHistogramSum())).Append('\n');
                output.Append(name).Append("_count");
                AppendLabels(output, tags, null, null);
                output.Append(' ').Append(point.GetHistogramCount().ToString(CultureInfo.InvariantCulture)).Append('\n');
                continue;
            }
            output.Append(name);
            AppendLabels(output, tags, null, null);
            output.Append(' ').Append(type switch
            {
                MetricType.LongSum or MetricType.LongSumNonMonotonic => point.GetSumLong().ToString(CultureInfo.InvariantCulture),
                MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic => Number(point.GetSumDouble()),
                MetricType.LongGauge => point.GetGaugeLastValueLong().ToString(CultureInfo.InvariantCulture),
                _ => Number(point.GetGaugeLastValueDouble()),
            }).Append('\n');
        }
    }

    /// <summary>
    /// The Prometheus name of an instrument, by OpenTelemetry's rules: characters outside <c>[a-zA-Z0-9_:]</c> become
    /// '_' (runs of them one), then the unit spelled out (<c>ms</c> → <c>milliseconds</c>, <c>Cel</c> → <c>celsius</c>,
    /// <c>1</c> → <c>ratio</c> for gauges, <c>{frame}</c> annotations dropped) unless the name ends with it already.
    /// </summary>
    public static string MetricName(string name, string? unit, bool gauge)
    {
        ArgumentNullException.ThrowIfNull(name);
        string sanitized = Sanitize(name);
        string suffix = UnitSuffix(unit, gauge);
        return suffix.Length == 0 || sanitized.EndsWith("_" + suffix, StringComparison.Ordinal) ? sanitized : sanitized + "_" + suffix;
    }

    private static string UnitSuffix(string? unit, bool gauge)
    {
        if (string.IsNullOrEmpty(unit)) return "";
        // {annotations} carry no unit: "{frame}" -> "", "By{packet}" -> "By"
        var plain = new StringBuilder(unit.Length);
        int depth = 0;
        foreach (char c in unit)
        {
            if (c == '{') depth++;
            else if (c == '}') depth = Math.Max(0, depth - 1);
            else if (depth == 0) plain.Append(c);
        }
        string u = plain.ToString().Trim();
        if (u.Length == 0) return "";
        if (u == "1") return gauge ? "ratio" : "";
        int slash = u.IndexOf('/', StringComparison.Ordinal);
        if (slash > 0) return Sanitize(UnitWord(u[..slash]) + "_per_" + PerWord(u[(slash + 1)..]));
        return Sanitize(UnitWord(u));
    }

    private static string UnitWord(string unit) => unit switch
    {
        "d" => "days", "h" => "hours", "min" => "minutes", "s" => "seconds", "ms" => "milliseconds", "us" => "microseconds", "ns" => "nanoseconds",
        "By" => "bytes", "KiBy" => "kibibytes", "MiBy" => "mebibytes", "GiBy" => "gibibytes", "TiBy" => "tibibytes",
        "KBy" => "kilobytes", "MBy" => "megabytes", "GBy" => "gigabytes", "TBy" => "terabytes",
        "m" => "meters", "V" => "volts", "A" => "amperes", "J" => "joules", "W" => "watts", "g" => "grams",
        "Cel" => "celsius", "Hz" => "hertz", "%" => "percent",
        _ => unit,
    };

    private static string PerWord(string unit) => unit switch
    {
        "s" => "second", "m" => "minute", "h" => "hour", "d" => "day", "w" => "week", "mo" => "month", "y" => "year",
        _ => UnitWord(unit),
    };

    private static string Sanitize(string name)
    {
        var s = new StringBuilder(name.Length);
        foreach (char c in name)
        {
            bool ok = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or ':';
            if (ok) s.Append(c);
            else if (s.Length == 0 || s[^1] != '_') s.Append('_');
        }
        if (s.Length > 0 && char.IsAsciiDigit(s[0])) s.Insert(0, '_');
        return s.ToString();
    }

    private static void AppendLabels(StringBuilder output, IEnumerable<KeyValuePair<string, object?>> labels, string? extraName, string? extraValue)
    {
        bool any = false;
        foreach (var (key, value) in labels)
        {
            output.Append(any ? ',' : '{').Append(Sanitize(key)).Append("=\"");
            AppendLabelValue(output, value switch
            {
                null => "",
                string text => text,
                bool b => b ? "true" : "false",
                double d => Number(d),
                float f => Number(f),
                IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            });
            output.Append('"');
            any = true;
        }
        if (extraName is not null)
        {
            output.Append(any ? ',' : '{').Append(extraName).Append("=\"");
            AppendLabelValue(output, extraValue!);
            output.Append('"');
            any = true;
        }
        if (any) output.Append('}');
    }

    private static void AppendLabelValue(StringBuilder output, string value)
    {
        foreach (char c in value)
        {
            if (c == '\\') output.Append("\\\\");
            else if (c == '"') output.Append("\\\"");
            else if (c == '\n') output.Append("\\n");
            else output.Append(c);
        }
    }

    private static string Number(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The exporter behind <see cref="Reader"/>: it writes a batch into the scrape's text while <see cref="Scrape"/>
    /// collects, and ignores the collections the provider makes itself (a flush at shutdown). Declared a push exporter
    /// (the default): the SDK lets a pull-only exporter collect only through its own internal scrape hook, which
    /// <c>Collect</c> from here does not open, so a pull-only reader answered every scrape with nothing.
    /// </summary>
    private sealed class PullExporter(PrometheusScrape scrape) : BaseExporter<Metric>
    {
        public override ExportResult Export(in Batch<Metric> batch)
        {
            if (scrape.collecting) Write(scrape.text, batch, ParentProvider?.GetResource().Attributes);
            return ExportResult.Success;
        }
    }
}
