using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.ModelBundle;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>
/// Replays the JPEG/PNG/BMP files of a folder in name order (optionally looping), for offline benchmarks.
/// Only non-empty regular files up to <see cref="FrameSourceOptions.MaxFrameBytes"/> are read (the MJPEG
/// source's cap); an empty file, a FIFO, a device or a link to one (they report size 0), an oversized or an
/// unreadable file is counted as a bad frame (<c>empty</c>, <c>oversize</c>, <c>unreadable</c>) and skipped.
/// </summary>
public sealed class FolderFrameSource : IFrameSource
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp"];
    private readonly FrameSourceOptions options;
    private readonly ILogger logger;
    private readonly SourceEvents events;

    /// <summary>Creates the source for <see cref="FrameSourceOptions.Path"/>.</summary>
    public FolderFrameSource(FrameSourceOptions options, ILogger logger, SourceEvents events)
    {
        this.options = options;
        this.logger = logger;
        this.events = events;
    }

    /// <inheritdoc />
    public string Description => $"folder '{options.Path}'";

    /// <inheritdoc />
    public bool IsLive => options.FramesPerSecond > 0;

    /// <summary>The image files in replay order.</summary>
    public static string[] ListImages(string folder) =>
        Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <inheritdoc />
    public void Run(Action<Frame> deliver, CancellationToken ct)
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(options.RetryInitialSeconds), TimeSpan.FromSeconds(options.RetryMaxSeconds));
        var pacer = new Pacer(options.FramesPerSecond);
        long sequence = 0;
        while (!ct.IsCancellationRequested)
        {
            string[] files;
            try { files = ListImages(options.Path!); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { files = []; logger.LogWarning("{Source}: {Error}", Description, e.Message); }
            if (files.Length == 0)
            {
                events.Restarted("no images");
                logger.LogWarning("{Source}: no .jpg/.jpeg/.png/.bmp files; looking again with back-off", Description);
                if (!backoff.Wait(ct)) return;
                continue;
            }
            backoff.Reset();
            foreach (string file in files)
            {
                if (!pacer.Wait(ct)) return;
                string? bad = BoundedFile.Classify(file, options.MaxFrameBytes, out _) switch
                {
                    BoundedFileStatus.Ok => null,
                    BoundedFileStatus.TooLarge => "oversize",
                    BoundedFileStatus.Unreadable => "unreadable",
                    BoundedFileStatus.Missing => null, // removed since the listing: not a frame
                    _ => "empty", // empty, or a FIFO/device/proc file: no size to read
                };
                if (bad is not null)
                {
                    events.BadFrame(bad);
                    logger.LogWarning("{File}: skipped ({Reason}): {Problem}", file, bad, BoundedFile.Problem(file, options.MaxFrameBytes, out _));
                    continue;
                }
                byte[] bytes;
                try { bytes = BoundedFile.ReadAllBytes(file, options.MaxFrameBytes); }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    if (!File.Exists(file)) continue;
                    events.BadFrame("unreadable");
                    logger.LogWarning("{File}: cannot read: {Error}", file, e.Message);
                    continue;
                }
                // deliver takes ownership of the frame (IFrameSource.Run) and disposes it; the analyzer cannot see through the delegate.
#pragma warning disable CA2000
                deliver(Frame.Copy(bytes, FrameFormat.Encoded, 0, 0, ++sequence, Path.GetRelativePath(options.Path!, file)));
#pragma warning restore CA2000
            }
            if (!options.Loop) return;
        }
    }

    /// <inheritdoc />
    public void Dispose() { }
}
