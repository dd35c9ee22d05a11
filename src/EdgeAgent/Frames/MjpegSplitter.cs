using System.Buffers.Binary;

namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>
/// Splits a stream of concatenated JPEGs into frames by walking the JPEG marker structure: header
/// segments are skipped by their length (so EXIF thumbnails with their own SOI/EOI do not split a
/// frame), entropy-coded data is scanned for the next real marker. A new SOI before the EOI ends a
/// truncated frame; structural garbage and frames over the size limit are reported and skipped, and
/// the splitter resynchronises on the next SOI.
/// </summary>
public sealed class MjpegSplitter
{
    private enum State { Seeking, Header, Scan }

    private readonly int maxFrameBytes;
    private byte[] buffer = new byte[64 * 1024];
    private int filled;
    private int start;
    private int pos;
    private long origin; // stream offset of buffer[0]
    private State state = State.Seeking;

    /// <summary>Creates a splitter refusing frames longer than <paramref name="maxFrameBytes"/>.</summary>
    public MjpegSplitter(int maxFrameBytes)
    {
        if (maxFrameBytes < 4) throw new ArgumentOutOfRangeException(nameof(maxFrameBytes), maxFrameBytes, "must be at least 4");
        this.maxFrameBytes = maxFrameBytes;
    }

    /// <summary>Byte offset in the stream of the frame being delivered (valid during the <c>onFrame</c> call).</summary>
    public long FrameOffset => origin + start;

    /// <summary>Bytes skipped outside any frame (noise between frames).</summary>
    public long SkippedBytes { get; private set; }

    /// <summary>
    /// Reads <paramref name="stream"/> to its end, calling <paramref name="onFrame"/> for every complete
    /// JPEG (the span is valid only during the call) and <paramref name="onBad"/> with a reason
    /// (<c>truncated</c>, <c>corrupt</c>, <c>oversize</c>) for every frame that cannot be delivered.
    /// Returns the number of frames delivered.
    /// </summary>
    public long ReadToEnd(Stream stream, Action<ReadOnlySpan<byte>> onFrame, Action<string> onBad, CancellationToken ct)
    {
        long frames = 0;
        while (!ct.IsCancellationRequested)
        {
            PrepareForRead(onBad);
            int n = stream.Read(buffer, filled, buffer.Length - filled);
            if (n <= 0) break;
            filled += n;
            frames += Parse(onFrame, onBad);
        }
        // A stream that ended inside a frame cut it short; a cancelled read did not.
        if (!ct.IsCancellationRequested && state != State.Seeking && filled - start > 0) onBad("truncated");
        SkippedBytes += state == State.Seeking ? filled : 0;
        filled = start = pos = 0;
        origin = 0;
        state = State.Seeking;
        return frames;
    }

    private void PrepareForRead(Action<string> onBad)
    {
        if (state == State.Seeking)
        {
            // Keep one byte: it may be the 0xFF of an SOI split across reads.
            int keep = Math.Min(1, filled);
            SkippedBytes += filled - keep;
            origin += filled - keep;
            Buffer.BlockCopy(buffer, filled - keep, buffer, 0, keep);
            filled = keep;
            start = pos = 0;
            return;
        }
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, filled - start);
            origin += start;
            filled -= start;
            pos -= start;
            start = 0;
        }
        if (filled > maxFrameBytes)
        {
            onBad("oversize");
            SkippedBytes += filled;
            origin += filled;
            filled = start = pos = 0;
            state = State.Seeking;
            return;
        }
        if (filled == buffer.Length)
            Array.Resize(ref buffer, (int)Math.Min((long)maxFrameBytes + 4096, buffer.Length * 2L));
    }

    private long Parse(Action<ReadOnlySpan<byte>> onFrame, Action<string> onBad)
    {
        long frames = 0;
        while (true)
        {
            switch (state)
            {
                case State.Seeking:
                {
                    int i = buffer.AsSpan(pos, filled - pos).IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD8]);
                    if (i < 0) { pos = Math.Max(pos, filled - 1); return frames; }
                    SkippedBytes += i;
                    start = pos + i;
                    pos = start + 2;
                    state = State.Header;
                    break;
                }
                case State.Header:
                {
                    if (filled - pos < 2) return frames;
                    if (buffer[pos] != 0xFF) { Resync(onBad, "corrupt"); break; }
                    byte m = buffer[pos + 1];
                    if (m == 0xFF) { pos++; break; }
                    if (m == 0xD8) { onBad("truncated"); start = pos; pos += 2; break; }
                    if (m == 0xD9) { frames += Emit(onFrame, onBad, pos + 2); break; }
                    if (m is >= 0xD0 and <= 0xD7 or 0x01) { pos += 2; break; }
                    if (m == 0x00) { Resync(onBad, "corrupt"); break; }
                    if (filled - pos < 4) return frames;
                    int len = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(pos + 2));
                    if (len < 2) { Resync(onBad, "corrupt"); break; }
                    if (pos + 2 + len - start > maxFrameBytes) { Oversize(onBad); break; }
                    if (filled - pos < 2 + len) return frames;
                    bool mayEmbedJpeg = m is >= 0xE0 and <= 0xEF or 0xFE;
                    if (!mayEmbedJpeg && buffer.AsSpan(pos + 4, len - 2).IndexOf((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]) >= 0)
                    {
                        // A table segment never contains an SOI: this one ran into the next frame.
                        Resync(onBad, "truncated");
                        break;
                    }
                    pos += 2 + len;
                    if (m == 0xDA) state = State.Scan;
                    break;
                }
                case State.Scan:
                {
                    int i = buffer.AsSpan(pos, filled - pos).IndexOf((byte)0xFF);
                    if (i < 0)
                    {
                        pos = filled;
                        if (pos - start > maxFrameBytes) Oversize(onBad);
                        return frames;
                    }
                    int at = pos + i;
                    if (at + 1 >= filled) { pos = at; return frames; }
                    byte m = buffer[at + 1];
                    if (m == 0x00 || m is >= 0xD0 and <= 0xD7) { pos = at + 2; break; }
                    if (m == 0xFF) { pos = at + 1; break; }
                    if (m == 0xD8) { onBad("truncated"); start = at; pos = at + 2; state = State.Header; break; }
                    if (m == 0xD9) { frames += Emit(onFrame, onBad, at + 2); break; }
                    pos = at;
                    state = State.Header;
                    break;
                }
            }
        }
    }

    private int Emit(Action<ReadOnlySpan<byte>> onFrame, Action<string> onBad, int end)
    {
        bool fits = end - start <= maxFrameBytes;
        if (fits) onFrame(buffer.AsSpan(start, end - start));
        else onBad("oversize");
        start = pos = end;
        state = State.Seeking;
        return fits ? 1 : 0;
    }

    private void Resync(Action<string> onBad, string reason)
    {
        onBad(reason);
        pos = start + 2;
        state = State.Seeking;
    }

    private void Oversize(Action<string> onBad)
    {
        onBad("oversize");
        SkippedBytes += filled - start;
        start = pos = filled;
        state = State.Seeking;
    }
}
