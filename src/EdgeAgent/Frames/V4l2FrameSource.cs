using System.Buffers;
using EdgeToolkit.EdgeAgent.Options;
using Iot.Device.Media;
using Microsoft.Extensions.Logging;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>
/// A V4L2 camera through <see cref="VideoDevice"/> (Iot.Device.Bindings), MJPEG or YUYV. The driver's
/// buffer length is the mmap length, not the bytes used, so MJPEG frames are trimmed at their EOI
/// marker; pooled buffers are returned to <see cref="ArrayPool{T}.Shared"/>; capture is stopped only
/// after the capture loop has returned. A lost camera is reopened with exponential back-off.
/// </summary>
public sealed class V4l2FrameSource : IFrameSource
{
    private readonly FrameSourceOptions options;
    private readonly ILogger logger;
    private readonly SourceEvents events;

    /// <summary>Creates the source; the device is opened in <see cref="Run"/>.</summary>
    public V4l2FrameSource(FrameSourceOptions options, ILogger logger, SourceEvents events)
    {
        this.options = options;
        this.logger = logger;
        this.events = events;
    }

    /// <inheritdoc />
    public string Description => $"v4l2 {options.Device} {options.Width}x{options.Height} {options.PixelFormat}";

    /// <inheritdoc />
    public bool IsLive => true;

    /// <summary>The bus id of <c>/dev/videoN</c> (N).</summary>
    public static int BusIdOf(string device)
    {
        string digits = new(device.Reverse().TakeWhile(char.IsDigit).Reverse().ToArray());
        return digits.Length > 0 ? int.Parse(digits, System.Globalization.CultureInfo.InvariantCulture)
            : throw new ArgumentException($"EdgeAgent:Source:Device '{device}' does not end in a device number like /dev/video0");
    }

    /// <summary>Length of the JPEG in <paramref name="buffer"/>: up to and including the last EOI marker, or -1 when there is none.</summary>
    public static int TrimAtEndOfImage(ReadOnlySpan<byte> buffer)
    {
        int i = buffer.LastIndexOf((ReadOnlySpan<byte>)[0xFF, 0xD9]);
        return i < 0 ? -1 : i + 2;
    }

    /// <inheritdoc />
    public void Run(Action<Frame> deliver, CancellationToken ct)
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(options.RetryInitialSeconds), TimeSpan.FromSeconds(options.RetryMaxSeconds));
        bool mjpeg = options.SourcePixelFormat == SourcePixelFormat.Mjpeg;
        int yuyvBytes = options.Width * options.Height * 2;
        long sequence = 0;
        while (!ct.IsCancellationRequested)
        {
            long delivered = 0;
            string reason;
            try
            {
                var settings = new VideoConnectionSettings(BusIdOf(options.Device), ((uint)options.Width, (uint)options.Height),
                    mjpeg ? VideoPixelFormat.MJPEG : VideoPixelFormat.YUYV);
                using var device = VideoDevice.Create(settings);
                device.ImageBufferPoolingEnabled = true;
                void OnBuffer(object sender, NewImageBufferReadyEventArgs e)
                {
                    try
                    {
                        ReadOnlySpan<byte> data = e.ImageBuffer.AsSpan(0, Math.Min(e.Length, e.ImageBuffer.Length));
                        if (mjpeg)
                        {
                            int n = TrimAtEndOfImage(data);
                            if (n < 0) { events.BadFrame("truncated"); return; }
                            deliver(Frame.Copy(data[..n], FrameFormat.Encoded, 0, 0, ++sequence));
                        }
                        else
                        {
                            if (data.Length < yuyvBytes) { events.BadFrame("truncated"); return; }
                            deliver(Frame.Copy(data[..yuyvBytes], FrameFormat.Yuyv, options.Width, options.Height, ++sequence));
                        }
                        delivered++;
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(e.ImageBuffer);
                    }
                }
                device.NewImageBufferReady += OnBuffer;
                device.StartCaptureContinuous();
                try
                {
                    logger.LogInformation("{Source}: capturing", Description);
                    device.CaptureContinuous(ct); // returns when ct is cancelled or the device fails
                }
                finally
                {
                    // Only after the capture loop returned: stopping earlier unmaps buffers still in use.
                    device.StopCaptureContinuous();
                    device.NewImageBufferReady -= OnBuffer;
                }
                reason = "capture loop ended";
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or UnauthorizedAccessException or ArgumentException or ObjectDisposedException)
            {
                reason = e.Message;
            }
            if (ct.IsCancellationRequested) return;
            if (!backoff.WaitAfterFailure(delivered > 0, reason, Description, events, logger, ct)) return;
        }
    }

    /// <inheritdoc />
    public void Dispose() { }
}
