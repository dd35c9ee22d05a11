using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>Replays the JPEG/PNG/BMP files of a folder in name order (optionally looping), for offline benchmarks.</summary>
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
            catch (IOException e) { files = []; logger.LogWarning("{Source}: {Error}", Description, e.Message); }
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
                byte[] bytes;
                try { bytes = File.ReadAllBytes(file); }
                catch (IOException e)
                {
                    events.BadFrame("unreadable");
                    logger.LogWarning("{File}: cannot read: {Error}", file, e.Message);
                    continue;
                }
                deliver(Frame.Copy(bytes, FrameFormat.Encoded, 0, 0, ++sequence, Path.GetRelativePath(options.Path!, file)));
            }
            if (!options.Loop) return;
        }
    }

    /// <inheritdoc />
    public void Dispose() { }
}
