using System.Diagnostics;
using EdgeToolkit.EdgeAgent.Options;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>
/// Concatenated JPEGs from a child process's stdout (<c>rpicam-vid --codec mjpeg -o -</c>,
/// <c>gst-launch-1.0 ... ! jpegenc ! fdsink</c>, <c>ffmpeg ... -f mjpeg -</c>), from stdin (<c>-</c>) or a
/// file. A child that exits is restarted with exponential back-off; a missing file is retried.
/// </summary>
public sealed class MjpegStreamFrameSource : IFrameSource
{
    private readonly FrameSourceOptions options;
    private readonly ILogger logger;
    private readonly SourceEvents events;
    private long sequence;

    /// <summary>Creates the source; nothing is opened until <see cref="Run"/>.</summary>
    public MjpegStreamFrameSource(FrameSourceOptions options, ILogger logger, SourceEvents events)
    {
        this.options = options;
        this.logger = logger;
        this.events = events;
    }

    /// <inheritdoc />
    public string Description => !string.IsNullOrWhiteSpace(options.Command) ? $"mjpeg command '{options.Command}'" : $"mjpeg '{options.Path}'";

    /// <inheritdoc />
    public bool IsLive => !string.IsNullOrWhiteSpace(options.Command) || options.Path == "-";

    /// <inheritdoc />
    public void Run(Action<Frame> deliver, CancellationToken ct)
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(options.RetryInitialSeconds), TimeSpan.FromSeconds(options.RetryMaxSeconds));
        var splitter = new MjpegSplitter(options.MaxFrameBytes);
        void OnFrame(ReadOnlySpan<byte> jpeg) => deliver(Frame.Copy(jpeg, FrameFormat.Encoded, 0, 0, Interlocked.Increment(ref sequence),
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"offset {splitter.FrameOffset}")));
        while (!ct.IsCancellationRequested)
        {
            long frames;
            string ended;
            try
            {
                if (!string.IsNullOrWhiteSpace(options.Command))
                {
                    frames = RunChild(splitter, OnFrame, ct, out int exitCode);
                    ended = $"child process exited with code {exitCode} after {frames} frame(s)";
                }
                else if (options.Path == "-")
                {
                    using var stdin = Console.OpenStandardInput();
                    frames = splitter.ReadToEnd(stdin, OnFrame, events.BadFrame, ct);
                    logger.LogInformation("MJPEG stdin ended after {Frames} frame(s)", frames);
                    return;
                }
                else
                {
                    using var file = new FileStream(options.Path!, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
                    frames = splitter.ReadToEnd(file, OnFrame, events.BadFrame, ct);
                    if (!options.Loop) return;
                    if (frames > 0) { backoff.Reset(); continue; }
                    ended = $"file {options.Path} holds no JPEG frame";
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                frames = 0;
                ended = e.Message;
            }
            if (ct.IsCancellationRequested) return;
            if (!backoff.WaitAfterFailure(frames > 0, ended, Description, events, logger, ct)) return;
        }
    }

    private long RunChild(MjpegSplitter splitter, Action<ReadOnlySpan<byte>> onFrame, CancellationToken ct, out int exitCode)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("exec " + options.Command);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start '{options.Command}'");
        string lastError = "";
        process.ErrorDataReceived += (_, e) => { if (!string.IsNullOrEmpty(e.Data)) lastError = e.Data; };
        process.BeginErrorReadLine();
        using var kill = ct.Register(() => { try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } });
        long frames;
        try
        {
            frames = splitter.ReadToEnd(process.StandardOutput.BaseStream, onFrame, events.BadFrame, ct);
        }
        finally
        {
            if (!process.HasExited)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            }
            process.WaitForExit(2000);
        }
        exitCode = process.HasExited ? process.ExitCode : -1;
        if (exitCode != 0 && lastError.Length > 0 && !ct.IsCancellationRequested)
            logger.LogWarning("{Source}: last stderr line: {Line}", Description, lastError);
        return frames;
    }

    /// <inheritdoc />
    public void Dispose() { }
}
