using System.Buffers;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>
/// One captured frame in a buffer rented from <see cref="ArrayPool{T}.Shared"/>; whoever holds it last
/// disposes it, which returns the buffer (dropped frames included).
/// </summary>
public sealed class Frame : IDisposable
{
    private byte[]? buffer;

    private Frame(byte[] buffer, int length, FrameFormat format, int width, int height, long sequence, string? source)
    {
        Source = source;
        this.buffer = buffer;
        Length = length;
        Format = format;
        Width = width;
        Height = height;
        Sequence = sequence;
        CapturedTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
    }

    /// <summary>Copies <paramref name="data"/> into a pooled buffer; <paramref name="source"/> says where it came from (<see cref="Source"/>).</summary>
    public static Frame Copy(ReadOnlySpan<byte> data, FrameFormat format, int width, int height, long sequence, string? source = null)
    {
        byte[] b = ArrayPool<byte>.Shared.Rent(Math.Max(1, data.Length));
        data.CopyTo(b);
        return new Frame(b, data.Length, format, width, height, sequence, source);
    }

    /// <summary>Takes ownership of a buffer rented from <see cref="ArrayPool{T}.Shared"/>.</summary>
    public static Frame FromRented(byte[] rented, int length, FrameFormat format, int width, int height, long sequence, string? source = null)
        => new(rented, length, format, width, height, sequence, source);

    /// <summary>
    /// Where the frame came from, so results can be joined with labels: the file name relative to the folder (folder
    /// source), <c>offset N</c> (byte offset in an MJPEG stream); null for cameras and synthetic frames (the sequence says it).
    /// </summary>
    public string? Source { get; }

    /// <summary>The frame's bytes.</summary>
    public ReadOnlySpan<byte> Data => buffer is null ? throw new ObjectDisposedException(nameof(Frame)) : buffer.AsSpan(0, Length);

    /// <summary>Number of valid bytes.</summary>
    public int Length { get; }

    /// <summary>Layout of the bytes.</summary>
    public FrameFormat Format { get; }

    /// <summary>Width for raw formats (0 for encoded frames).</summary>
    public int Width { get; }

    /// <summary>Height for raw formats (0 for encoded frames).</summary>
    public int Height { get; }

    /// <summary>Sequence number given by the source.</summary>
    public long Sequence { get; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of capture.</summary>
    public long CapturedTimestamp { get; }

    /// <summary>Returns the buffer to the pool.</summary>
    public void Dispose()
    {
        byte[]? b = Interlocked.Exchange(ref buffer, null);
        if (b is not null) ArrayPool<byte>.Shared.Return(b);
    }
}
