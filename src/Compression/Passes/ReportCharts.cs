using System.Globalization;
using System.Net;
using System.Text;

namespace EdgeToolkit.Compression.Passes;

/// <summary>One line of a <see cref="ReportCharts.Line"/> chart.</summary>
/// <param name="Name">Legend text.</param>
/// <param name="Colour">CSS colour.</param>
/// <param name="Points">Points in data units, in x order.</param>
/// <param name="Dashed">Draw dashed (reference lines such as a baseline).</param>
public sealed record ChartSeries(string Name, string Colour, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false);

/// <summary>
/// Small inline-SVG charts for the HTML report: line charts, horizontal bars and a heat map, with "nice" ticks
/// and numbers written the way people read them (5,000 or 25k, never 5E+03). Every chart scales to the page
/// width (viewBox), so the report reads on a phone.
/// </summary>
public static class ReportCharts
{
    /// <summary>Series colours.</summary>
    internal static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>About <paramref name="target"/> round tick values covering [min, max] (steps of 1, 2, 2.5 or 5 times a power of ten).</summary>
    public static IReadOnlyList<double> Ticks(double min, double max, int target = 5)
    {
        if (!double.IsFinite(min) || !double.IsFinite(max)) return [0, 1];
        if (max <= min) max = min + (min == 0 ? 1 : Math.Abs(min) * 0.1);
        double raw = (max - min) / Math.Max(1, target);
        double p = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * p).First(s => s >= raw * 0.999);
        double start = Math.Floor(min / step + 1e-9) * step;
        var ticks = new List<double>();
        for (double t = start; t <= max + step * 0.999 && ticks.Count < 50; t += step) ticks.Add(Math.Round(t / step) * step);
        return ticks;
    }

    /// <summary>A tick label: thousands separated, 10,000 and up as 10k / 1.5M / 2G, decimals only as many as <paramref name="step"/> needs.</summary>
    public static string Number(double v, double step)
    {
        double a = Math.Abs(v);
        if (a >= 1e9) return Trim(v / 1e9, step / 1e9) + "G";
        if (a >= 1e6) return Trim(v / 1e6, step / 1e6) + "M";
        if (a >= 1e4) return Trim(v / 1e3, step / 1e3) + "k";
        return Trim(v, step);
    }

    private static string Trim(double v, double step)
    {
        int decimals = step > 0 ? Math.Max(0, (int)Math.Ceiling(-Math.Log10(step) - 1e-9)) + (IsHalfStep(step) && step < 10 ? 1 : 0) : 0;
        decimals = Math.Min(6, decimals);
        return v.ToString("N" + decimals.ToString(Inv), Inv);
    }

    private static bool IsHalfStep(double step)
    {
        if (step <= 0) return false;
        double m = step / Math.Pow(10, Math.Floor(Math.Log10(step)));
        return Math.Abs(m - 2.5) < 1e-9;
    }

    /// <summary>A line chart (with point markers) of <paramref name="series"/>; y is formatted with <paramref name="yFormat"/> when given (e.g. percent).</summary>
    public static string Line(string title, IReadOnlyList<ChartSeries> series, string xLabel, string yLabel, Func<double, string>? yFormat = null,
        (double Min, double Max)? yRange = null, bool xFromZero = false)
    {
        const int W = 420, H = 250, L = 58, R = 12, T = 12, B = 44;
        var all = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var sb = Open(title, W, H);
        if (all.Count == 0) return Empty(sb, L, T);
        double xMin = xFromZero ? Math.Min(0, all.Min(p => p.X)) : all.Min(p => p.X), xMax = all.Max(p => p.X);
        if (xMax <= xMin) xMax = xMin + 1;
        var (yMin, yMax) = yRange ?? Pad(all.Min(p => p.Y), all.Max(p => p.Y));
        var xt = Ticks(xMin, xMax);
        var yt = Ticks(yMin, yMax);
        xMin = Math.Min(xMin, xt[0]); xMax = Math.Max(xMax, xt[^1]);
        yMin = Math.Min(yMin, yt[0]); yMax = Math.Max(yMax, yt[^1]);
        double Px(double x) => L + (x - xMin) / (xMax - xMin) * (W - L - R);
        double Py(double y) => H - B - (y - yMin) / (yMax - yMin) * (H - T - B);
        Axes(sb, W, H, L, R, T, B, xt, yt, Px, Py, xLabel, yLabel, yFormat);
        for (int i = 0; i < series.Count; i++)
        {
            var s = series[i];
            var pts = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
            if (pts.Count == 0) continue;
            string path = string.Join(" ", pts.Select(p => string.Create(Inv, $"{Px(p.X):F1},{Py(p.Y):F1}")));
            sb.Append(Inv, $"<polyline class=\"series\" points=\"{path}\" fill=\"none\" stroke=\"{s.Colour}\" stroke-width=\"2\"{(s.Dashed ? " stroke-dasharray=\"5 4\"" : "")}><title>{Enc(s.Name)}</title></polyline>\n");
            if (!s.Dashed && pts.Count <= 60)
                foreach (var p in pts)
                    sb.Append(Inv, $"<circle cx=\"{Px(p.X):F1}\" cy=\"{Py(p.Y):F1}\" r=\"2.5\" fill=\"{s.Colour}\"><title>{Enc(s.Name)}: {Enc(Number(p.X, 0.001))}, {Enc(yFormat?.Invoke(p.Y) ?? Number(p.Y, 0.001))}</title></circle>\n");
        }
        Legend(sb, series.Select(s => (s.Name, s.Colour, s.Dashed)).ToList(), L + 8, T + 4, W);
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>Horizontal bars, one row per item (label on the left), scaled from zero; long lists grow the chart downwards.</summary>
    public static string Bars(string title, IReadOnlyList<(string Name, double Value, string Colour, string Tip)> bars, string xLabel)
    {
        const int W = 460, L = 150, R = 56, T = 8, B = 40, Row = 16;
        int h = T + B + Math.Max(1, bars.Count) * Row;
        var sb = Open(title, W, h);
        if (bars.Count == 0) return Empty(sb, L, T);
        double lo = Math.Min(0, bars.Min(b => b.Value)), hi = Math.Max(0, bars.Max(b => b.Value));
        var xt = Ticks(lo, hi);
        lo = Math.Min(lo, xt[0]); hi = Math.Max(hi, xt[^1]);
        double Px(double x) => L + (x - lo) / (hi - lo) * (W - L - R);
        double step = xt.Count > 1 ? xt[1] - xt[0] : 1;
        foreach (double x in xt)
            sb.Append(Inv, $"<line x1=\"{Px(x):F1}\" y1=\"{T}\" x2=\"{Px(x):F1}\" y2=\"{h - B}\" stroke=\"#e5e5e5\"/><text x=\"{Px(x):F1}\" y=\"{h - B + 14}\" text-anchor=\"middle\">{Number(x, step)}</text>\n");
        for (int i = 0; i < bars.Count; i++)
        {
            var (name, value, colour, tip) = bars[i];
            double y = T + i * Row;
            double x0 = Px(0), x1 = Px(value);
            sb.Append(Inv, $"<text x=\"{L - 4}\" y=\"{y + 12:F1}\" text-anchor=\"end\">{Enc(Shorten(name, 26))}</text>");
            sb.Append(Inv, $"<rect class=\"bar\" x=\"{Math.Min(x0, x1):F1}\" y=\"{y + 2:F1}\" width=\"{Math.Max(0.5, Math.Abs(x1 - x0)):F1}\" height=\"{Row - 4}\" fill=\"{colour}\"><title>{Enc(tip)}</title></rect>");
            sb.Append(Inv, $"<text x=\"{Math.Max(x0, x1) + 3:F1}\" y=\"{y + 12:F1}\">{Enc(Number(value, 0.1))}</text>\n");
        }
        sb.Append(Inv, $"<text x=\"{(L + W - R) / 2}\" y=\"{h - 8}\" text-anchor=\"middle\">{Enc(xLabel)}</text>\n");
        return sb.Append("</svg>\n").ToString();
    }

    /// <summary>A confusion-matrix heat map (rows = true class, columns = predicted), shaded by the row's share; counts in the cells.</summary>
    public static string Heatmap(string title, IReadOnlyList<string> labels, long[][] matrix)
    {
        int n = labels.Count;
        int cell = n <= 10 ? 30 : n <= 20 ? 18 : Math.Max(4, 360 / Math.Max(1, n));
        int L = 96, T = 12, B = 80;
        int W = L + n * cell + 12, H = T + n * cell + B;
        var sb = Open(title, W, H);
        for (int i = 0; i < n; i++)
        {
            long rowTotal = Math.Max(1, matrix[i].Sum());
            for (int j = 0; j < n; j++)
            {
                long c = matrix[i][j];
                double share = (double)c / rowTotal;
                string fill = i == j ? Shade(share, 31, 119, 180) : Shade(share, 214, 39, 40);
                sb.Append(Inv, $"<rect class=\"cell\" x=\"{L + j * cell}\" y=\"{T + i * cell}\" width=\"{cell}\" height=\"{cell}\" fill=\"{fill}\" stroke=\"#fff\"><title>true {Enc(labels[i])}, predicted {Enc(labels[j])}: {c} ({share:P1})</title></rect>");
                if (cell >= 18 && c > 0)
                    sb.Append(Inv, $"<text x=\"{L + j * cell + cell / 2}\" y=\"{T + i * cell + cell / 2 + 4}\" text-anchor=\"middle\" fill=\"{(share > 0.5 ? "#fff" : "#222")}\" font-size=\"{(cell >= 30 ? 10 : 7)}\">{c}</text>");
            }
            sb.Append(Inv, $"<text x=\"{L - 4}\" y=\"{T + i * cell + cell / 2 + 4}\" text-anchor=\"end\">{Enc(Shorten(labels[i], 14))}</text>\n");
        }
        for (int j = 0; j < n; j++)
        {
            double x = L + j * cell + cell / 2.0, y = T + n * cell + 6;
            sb.Append(Inv, $"<text x=\"{x:F1}\" y=\"{y:F1}\" text-anchor=\"end\" transform=\"rotate(-60 {x:F1} {y:F1})\">{Enc(Shorten(labels[j], 14))}</text>");
        }
        sb.Append(Inv, $"<text x=\"{L + n * cell / 2}\" y=\"{H - 4}\" text-anchor=\"middle\">predicted</text>\n");
        return sb.Append("</svg>\n").ToString();
    }

    private static string Shade(double share, int r, int g, int b)
    {
        // White at 0, the full colour at 1.
        int Mix(int c) => (int)Math.Round(255 - (255 - c) * Math.Clamp(share, 0, 1));
        return string.Create(Inv, $"rgb({Mix(r)},{Mix(g)},{Mix(b)})");
    }

    private static (double, double) Pad(double lo, double hi)
    {
        double span = hi - lo;
        if (span <= 0) span = Math.Abs(hi) > 0 ? Math.Abs(hi) * 0.1 : 1;
        return (lo - span * 0.05, hi + span * 0.05);
    }

    private static void Axes(StringBuilder sb, int w, int h, int l, int r, int t, int b, IReadOnlyList<double> xt, IReadOnlyList<double> yt,
        Func<double, double> px, Func<double, double> py, string xLabel, string yLabel, Func<double, string>? yFormat)
    {
        sb.Append(Inv, $"<rect x=\"{l}\" y=\"{t}\" width=\"{w - l - r}\" height=\"{h - t - b}\" fill=\"#fff\" stroke=\"#999\"/>\n");
        double xs = xt.Count > 1 ? xt[1] - xt[0] : 1, ys = yt.Count > 1 ? yt[1] - yt[0] : 1;
        foreach (double x in xt)
            sb.Append(Inv, $"<line x1=\"{px(x):F1}\" y1=\"{t}\" x2=\"{px(x):F1}\" y2=\"{h - b}\" stroke=\"#eee\"/><text class=\"tick\" x=\"{px(x):F1}\" y=\"{h - b + 14}\" text-anchor=\"middle\">{Enc(Number(x, xs))}</text>\n");
        foreach (double y in yt)
            sb.Append(Inv, $"<line x1=\"{l}\" y1=\"{py(y):F1}\" x2=\"{w - r}\" y2=\"{py(y):F1}\" stroke=\"#eee\"/><text class=\"tick\" x=\"{l - 4}\" y=\"{py(y) + 4:F1}\" text-anchor=\"end\">{Enc(yFormat?.Invoke(y) ?? Number(y, ys))}</text>\n");
        sb.Append(Inv, $"<text x=\"{(l + w - r) / 2}\" y=\"{h - 8}\" text-anchor=\"middle\">{Enc(xLabel)}</text>\n");
        sb.Append(Inv, $"<text x=\"12\" y=\"{(t + h - b) / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 12 {(t + h - b) / 2})\">{Enc(yLabel)}</text>\n");
    }

    private static void Legend(StringBuilder sb, IReadOnlyList<(string Name, string Colour, bool Dashed)> items, int x, int y, int w)
    {
        if (items.Count < 2) return;
        double cx = x, cy = y + 10;
        foreach (var (name, colour, dashed) in items)
        {
            string text = Shorten(name, 28);
            double width = 22 + text.Length * 5.6;
            if (cx + width > w - 14) { cx = x; cy += 13; }
            sb.Append(Inv, $"<line x1=\"{cx:F1}\" y1=\"{cy - 3:F1}\" x2=\"{cx + 14:F1}\" y2=\"{cy - 3:F1}\" stroke=\"{colour}\" stroke-width=\"2\"{(dashed ? " stroke-dasharray=\"4 3\"" : "")}/><text x=\"{cx + 17:F1}\" y=\"{cy:F1}\" class=\"legend\">{Enc(text)}</text>\n");
            cx += width;
        }
    }

    private static StringBuilder Open(string title, int w, int h) =>
        new StringBuilder().Append(Inv, $"<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" role=\"img\" aria-label=\"{Enc(title)}\">\n");

    private static string Empty(StringBuilder sb, int l, int t) =>
        sb.Append(Inv, $"<text x=\"{l + 10}\" y=\"{t + 20}\">no measurements</text></svg>\n").ToString();

    private static string Shorten(string s, int max) => s.Length <= max ? s : s[..(max - 1)] + "…";

    private static string Enc(string s) => WebUtility.HtmlEncode(s);
}
