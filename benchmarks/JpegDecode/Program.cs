// Per-frame decode + resize/normalise time of a 640x480 ffmpeg JPEG for a 32x32 model input: ImageSharp's
// full decode (EdgeAgent:ReducedJpegDecoding=off) versus the reduced-size decoder (auto, 1/8 here).
// The two paths alternate round by round so drift on a shared machine hits both; each round's mean per
// frame is printed, then the median over rounds and the spread of the per-round ratio.
// Usage: dotnet run -c Release --project benchmarks/JpegDecode [-- rounds frames-per-round size input-size pix_fmt]
using System.Diagnostics;
using System.Globalization;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.ModelBundle;
using EdgeToolkit.Preprocessing;

int rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
int frames = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 200;
string size = args.Length > 2 ? args[2] : "640x480";
int input = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 32;
string pixFmt = args.Length > 4 ? args[4] : "yuvj444p"; // what ffmpeg writes for testsrc by default (the agent bench frames)

byte[] jpeg = Ffmpeg($"-loglevel error -f lavfi -i testsrc=size={size}:rate=1 -frames:v 1 -pix_fmt {pixFmt} -q:v 5 -f mjpeg -");
var manifest = new BundleManifest
{
    InputShape = [-1, 3, input, input],
    ChannelOrder = ChannelOrder.Rgb,
    ResizePolicy = ResizePolicy.Stretch,
    Mean = [0.485f, 0.456f, 0.406f],
    Std = [0.229f, 0.224f, 0.225f],
    Labels = ["a"],
};
var pre = new FramePreprocessor(4096L * 4096, 256);
var tensor = new float[3 * input * input];
using var frame = Frame.Copy(jpeg, FrameFormat.Encoded, 0, 0, 1);

(double Decode, double Resize) Measure(bool reduced, int n)
{
    long decode = 0, resize = 0;
    for (int i = 0; i < n; i++)
    {
        long t0 = Stopwatch.GetTimestamp();
        using var image = reduced ? pre.Decode(frame, input, input) : pre.Decode(frame);
        long t1 = Stopwatch.GetTimestamp();
        FramePreprocessor.ToTensor(image, manifest, tensor);
        long t2 = Stopwatch.GetTimestamp();
        decode += t1 - t0;
        resize += t2 - t1;
    }
    double ms = 1000.0 / Stopwatch.Frequency / n;
    return (decode * ms, resize * ms);
}

Measure(false, 50);
Measure(true, 50);
Console.WriteLine($"{size} JPEG ({jpeg.Length} bytes, ffmpeg testsrc q 5, {pixFmt}) to a {input}x{input} input (stretch); {rounds} rounds x {frames} frames, ms per frame");
Console.WriteLine("| round | full decode | full resize+norm | full total | reduced decode | reduced resize+norm | reduced total | full / reduced |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
var full = new List<(double, double)>();
var reducedRuns = new List<(double, double)>();
for (int r = 0; r < rounds; r++)
{
    var f = Measure(false, frames);
    var q = Measure(true, frames);
    full.Add(f);
    reducedRuns.Add(q);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r + 1} | {f.Decode:F3} | {f.Resize:F3} | {f.Decode + f.Resize:F3} | {q.Decode:F3} | {q.Resize:F3} | {q.Decode + q.Resize:F3} | {(f.Decode + f.Resize) / (q.Decode + q.Resize):F1}x |"));
}
var ratios = full.Zip(reducedRuns, (f, q) => (f.Item1 + f.Item2) / (q.Item1 + q.Item2)).ToList();
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"| median | {Median(full.Select(x => x.Item1))} | {Median(full.Select(x => x.Item2))} | {Median(full.Select(x => x.Item1 + x.Item2))} | {Median(reducedRuns.Select(x => x.Item1))} | {Median(reducedRuns.Select(x => x.Item2))} | {Median(reducedRuns.Select(x => x.Item1 + x.Item2))} | {Median(ratios):F1}x (min {ratios.Min():F1}x, max {ratios.Max():F1}x) |"));

// The decoder alone (no copy into an ImageSharp image), best round: the floor on this machine.
var decoder = new EdgeToolkit.EdgeAgent.Processing.Jpeg.ReducedJpegDecoder(4096L * 4096);
int scale = EdgeToolkit.EdgeAgent.Processing.Jpeg.ReducedJpegDecoder.ChooseScale(640, 480, input, input);
double best = double.MaxValue, bestCpu = double.MaxValue;
var process = Process.GetCurrentProcess();
for (int r = 0; r < rounds; r++)
{
    process.Refresh();
    var cpu0 = process.TotalProcessorTime;
    long t0 = Stopwatch.GetTimestamp();
    for (int i = 0; i < frames; i++) decoder.TryDecode(jpeg, scale, out _);
    best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalMilliseconds / frames);
    process.Refresh();
    bestCpu = Math.Min(bestCpu, (process.TotalProcessorTime - cpu0).TotalMilliseconds / frames);
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ReducedJpegDecoder.TryDecode alone at 1/{scale}: best round {best:F3} ms wall, {bestCpu:F3} ms process CPU per frame"));

static string Median(IEnumerable<double> values)
{
    var s = values.Order().ToList();
    double m = s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    return m.ToString("F3", CultureInfo.InvariantCulture);
}

static byte[] Ffmpeg(string arguments)
{
    var psi = new ProcessStartInfo("ffmpeg", arguments) { RedirectStandardOutput = true };
    using var p = Process.Start(psi) ?? throw new InvalidOperationException("ffmpeg did not start (apt-get install ffmpeg)");
    using var ms = new MemoryStream();
    p.StandardOutput.BaseStream.CopyTo(ms);
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {arguments} failed with exit code {p.ExitCode}");
    return ms.ToArray();
}
