using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Threading.Channels;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using Microsoft.Extensions.Logging;
using SixLabors.ImageSharp;

namespace EdgeToolkit.EdgeAgent.Capture;

/// <summary>
/// Saves frames chosen by <see cref="CaptureOptions"/> rules for relabelling and training: the inference thread
/// only decides and copies the bytes into a bounded queue (full = dropped and counted); a writer thread saves
/// <c>&lt;root&gt;/&lt;label&gt;/&lt;time&gt;-&lt;seq&gt;.jpg</c> (the source's own JPEG bytes, no re-encode; raw frames
/// encoded as JPEG; PNG/BMP kept with their own extension) through a temporary name and a rename, appends a line
/// to <c>captures.jsonl</c>, and deletes its own oldest captures to stay within the disk budget.
/// </summary>
public sealed partial class FrameCapture : IFrameObserver, IDisposable
{
    /// <summary>The JSON-lines file beside the label folders.</summary>
    public const string IndexFile = "captures.jsonl";

    /// <summary>The previous index, kept when <see cref="IndexFile"/> passes 1/16 of the budget.</summary>
    public const string PreviousIndexFile = "captures.1.jsonl";

    private static readonly Telemetry.AgentJsonContext Json = new(new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase });
    private readonly CaptureOptions options;
    private readonly ILogger logger;
    private readonly string root;
    private readonly long budgetBytes;
    private readonly HashSet<string> labels;
    private readonly Channel<Item> queue;
    private readonly Thread writer;
    private readonly Queue<(string Path, long Bytes)> ring = new();
    private readonly ConcurrentDictionary<string, long> droppedByReason = new(StringComparer.Ordinal);
    private long ringBytes;
    private long saved;
    private long savedBytes;
    private long lastErrorLog;
    private FileStream? index;

    /// <summary>Creates the capture root if needed, counts the captures already there into the budget and starts the writer.</summary>
    public FrameCapture(CaptureOptions options, ILogger<FrameCapture> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.options = options;
        this.logger = logger;
        root = Path.GetFullPath(options.Folder ?? throw new ArgumentException("EdgeAgent:Capture:Folder is not set", nameof(options)));
        budgetBytes = (long)(options.BudgetMegabytes * 1024 * 1024);
        labels = new HashSet<string>(options.Labels, StringComparer.Ordinal);
        Directory.CreateDirectory(root);
        ScanExisting();
        queue = Channel.CreateBounded<Item>(new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        writer = Hosting.LowPriorityThread.Start("edge-capture", WriteLoop);
        logger.LogInformation("Capturing to {Folder} ({Rules}), budget {Budget} MB, {Existing} capture(s) already there",
            root, Describe(options), options.BudgetMegabytes, ring.Count);
    }

    /// <summary>The capture root.</summary>
    public string Folder => root;

    /// <summary>Captures written since start.</summary>
    public long Saved => Interlocked.Read(ref saved);

    /// <summary>Bytes of images written since start.</summary>
    public long SavedBytes => Interlocked.Read(ref savedBytes);

    /// <summary>Captures dropped (all reasons: <c>queue-full</c>, <c>write-error</c>).</summary>
    public long Dropped => droppedByReason.Values.Sum();

    /// <summary>Captures dropped per reason.</summary>
    public IReadOnlyDictionary<string, long> DroppedByReason => new SortedDictionary<string, long>(droppedByReason, StringComparer.Ordinal);

    /// <summary>Bytes the capture root's images and index hold now (what the budget bounds).</summary>
    public long BytesOnDisk => Interlocked.Read(ref ringBytes);

    /// <inheritdoc />
    public bool WantsFrameBytes(long sequence) =>
        options.BelowProbability > 0 || labels.Count > 0 || (options.EveryNthFrame > 0 && sequence % options.EveryNthFrame == 0);

    /// <summary>The rule that chooses this result, or null: <c>every-nth</c>, <c>low-confidence</c> or <c>label</c>.</summary>
    public string? Rule(Prediction prediction)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        if (options.EveryNthFrame > 0 && prediction.Sequence % options.EveryNthFrame == 0) return "every-nth";
        if (options.BelowProbability > 0 && prediction.Probabilities[0] < options.BelowProbability) return "low-confidence";
        if (labels.Count > 0 && labels.Contains(prediction.Labels[0])) return "label";
        return null;
    }

    /// <inheritdoc />
    public void OnFrame(in FrameObservation frame)
    {
        string? rule = Rule(frame.Prediction);
        if (rule is null || frame.FrameBytes.IsEmpty) return;
        byte[] copy = ArrayPool<byte>.Shared.Rent(frame.FrameBytes.Length);
        frame.FrameBytes.CopyTo(copy);
        var item = new Item(copy, frame.FrameBytes.Length, frame.Format, frame.Width, frame.Height, frame.Prediction, frame.Times, rule, DateTimeOffset.UtcNow);
        if (!queue.Writer.TryWrite(item))
        {
            ArrayPool<byte>.Shared.Return(copy);
            droppedByReason.AddOrUpdate("queue-full", 1, (_, n) => n + 1);
        }
    }

    /// <summary>Stops the writer after it has saved what is queued (at most 2 s).</summary>
    public void Dispose()
    {
        queue.Writer.TryComplete();
        writer.Join(TimeSpan.FromSeconds(2));
        logger.LogInformation("Capture: {Saved} saved ({Megabytes:F1} MB), {Dropped} dropped, {OnDisk:F1} MB in {Folder}",
            Saved, SavedBytes / 1048576.0, Dropped, BytesOnDisk / 1048576.0, root);
    }

    /// <summary>A label as a folder name: path separators, control characters and dot names replaced by '_'.</summary>
    public static string FolderName(string label)
    {
        ArgumentNullException.ThrowIfNull(label);
        var sb = new StringBuilder(label.Length);
        foreach (char ch in label) sb.Append(ch is '/' or '\\' or ':' || char.IsControl(ch) ? '_' : ch);
        string name = sb.ToString().Trim();
        return name.Length == 0 || name.All(ch => ch == '.') ? "_" : name;
    }

    private void WriteLoop()
    {
        var reader = queue.Reader;
        while (true)
        {
            Item item;
            try
            {
                if (!reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult()) break;
                if (!reader.TryRead(out item)) continue;
            }
            catch (ChannelClosedException) { break; }
            try
            {
                Save(item);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ImageFormatException)
            {
                droppedByReason.AddOrUpdate("write-error", 1, (_, n) => n + 1);
                long now = Stopwatch.GetTimestamp();
                if (lastErrorLog == 0 || Stopwatch.GetElapsedTime(lastErrorLog, now).TotalSeconds >= 60)
                {
                    lastErrorLog = now;
                    logger.LogWarning("Capture to {Folder} failed (dropped, inference goes on): {Error}", root, e.Message);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(item.Bytes);
            }
        }
        index?.Dispose();
    }

    private void Save(Item item)
    {
        string folder = Path.Combine(root, FolderName(item.Prediction.Labels[0]));
        Directory.CreateDirectory(folder);
        byte[] body;
        int length;
        string extension;
        if (item.Format == FrameFormat.Encoded)
        {
            (body, length) = (item.Bytes, item.Length);
            extension = FrameImage.Extension(FrameImage.EncodedKind(item.Bytes.AsSpan(0, item.Length)));
        }
        else
        {
            body = FrameImage.RawToJpeg(item.Bytes.AsSpan(0, item.Length), item.Format, item.Width, item.Height, options.JpegQuality);
            length = body.Length;
            extension = ".jpg";
        }
        string name = string.Create(CultureInfo.InvariantCulture, $"{item.Time:yyyyMMdd'T'HHmmss'.'fff'Z'}-{item.Prediction.Sequence:D8}{extension}");
        string path = Path.Combine(folder, name);
        string line = JsonSerializer.Serialize(CaptureLine.Of(Path.GetRelativePath(root, path).Replace('\\', '/'), item.Time, item.Prediction, item.Rule, item.Times),
            Json.CaptureLine) + "\n";
        byte[] lineBytes = Encoding.UTF8.GetBytes(line);
        MakeRoom(length, lineBytes.Length);

        string tmp = Path.Combine(folder, "." + name + ".tmp");
        using (var file = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            file.Write(body, 0, length);
        File.Move(tmp, path);
        index!.Write(lineBytes);
        index.Flush();
        lock (ring) ring.Enqueue((path, length));
        Interlocked.Add(ref ringBytes, length + lineBytes.Length);
        Interlocked.Increment(ref saved);
        Interlocked.Add(ref savedBytes, length);
    }

    /// <summary>Deletes the oldest captures (only files this capture names) and rotates the index until an image and its index line fit.</summary>
    private void MakeRoom(long imageBytes, long lineBytes)
    {
        long needed = imageBytes + lineBytes;
        string current = Path.Combine(root, IndexFile), previous = Path.Combine(root, PreviousIndexFile);
        index ??= new FileStream(current, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        // The index is a two-file ring of its own: past 1/16 of the budget it becomes captures.1.jsonl.
        if (index.Length > 0 && index.Length + lineBytes > Math.Max(64 * 1024, budgetBytes / 16))
        {
            index.Dispose();
            long dropped = File.Exists(previous) ? new FileInfo(previous).Length : 0;
            File.Move(current, previous, overwrite: true);
            Interlocked.Add(ref ringBytes, -dropped);
            index = new FileStream(current, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        while (Interlocked.Read(ref ringBytes) + needed > budgetBytes)
        {
            (string Path, long Bytes) oldest;
            lock (ring)
            {
                if (ring.Count == 0) break;
                oldest = ring.Dequeue();
            }
            try
            {
                if (File.Exists(oldest.Path)) File.Delete(oldest.Path);
            }
            catch (IOException) { } // moved or relabelled meanwhile: no longer ours to count
            Interlocked.Add(ref ringBytes, -oldest.Bytes);
        }
    }

    /// <summary>Counts the captures a previous run left (files named like ours in the label folders), oldest first.</summary>
    private void ScanExisting()
    {
        var found = new List<(string Name, string Path, long Bytes)>();
        foreach (string folder in Directory.EnumerateDirectories(root))
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles())
                if (CaptureName().IsMatch(file.Name)) found.Add((file.Name, file.FullName, file.Length));
        }
        found.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        foreach (var (_, path, bytes) in found)
        {
            ring.Enqueue((path, bytes));
            ringBytes += bytes;
        }
        foreach (string f in new[] { IndexFile, PreviousIndexFile })
        {
            string p = Path.Combine(root, f);
            if (File.Exists(p)) ringBytes += new FileInfo(p).Length;
        }
    }

    private static string Describe(CaptureOptions o)
    {
        var rules = new List<string>();
        if (o.EveryNthFrame > 0) rules.Add($"every {o.EveryNthFrame}th frame");
        if (o.BelowProbability > 0) rules.Add(string.Create(CultureInfo.InvariantCulture, $"top-1 below {o.BelowProbability:0.###}"));
        if (o.Labels.Count > 0) rules.Add($"labels {string.Join(", ", o.Labels)}");
        return string.Join("; ", rules);
    }

    [GeneratedRegex(@"^\d{8}T\d{6}\.\d{3}Z-\d{8,}\.(jpg|png|bmp)$")]
    private static partial Regex CaptureName();

    private readonly record struct Item(byte[] Bytes, int Length, FrameFormat Format, int Width, int Height, Prediction Prediction, StageTimes Times, string Rule, DateTimeOffset Time);
}
