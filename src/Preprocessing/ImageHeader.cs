using System.Buffers.Binary;

namespace EdgeToolkit.Preprocessing;

/// <summary>
/// Reads the pixel size of a JPEG, PNG or BMP from its header without decoding, so a frame that claims
/// huge dimensions is refused before any pixel memory is allocated.
/// </summary>
public static class ImageHeader
{
    /// <summary>Returns the format name (<c>jpeg</c>, <c>png</c>, <c>bmp</c>) and size, or null format when unrecognised or malformed.</summary>
    public static (string? Format, int Width, int Height) Read(ReadOnlySpan<byte> data)
    {
        if (data.Length >= 4 && data[0] == 0xFF && data[1] == 0xD8)
            return TryJpeg(data, out int w, out int h) ? ("jpeg", w, h) : ("jpeg", -1, -1);
        if (data.Length >= 24 && data[..8].SequenceEqual((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
            return ("png", (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data[16..])), (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(data[20..])));
        if (data.Length >= 26 && data[0] == (byte)'B' && data[1] == (byte)'M')
        {
            int w = BinaryPrimitives.ReadInt32LittleEndian(data[18..]);
            int h = BinaryPrimitives.ReadInt32LittleEndian(data[22..]);
            return ("bmp", w == int.MinValue ? -1 : Math.Abs(w), h == int.MinValue ? -1 : Math.Abs(h));
        }
        return (null, 0, 0);
    }

    private static bool TryJpeg(ReadOnlySpan<byte> d, out int width, out int height)
    {
        width = height = -1;
        int p = 2;
        while (p + 4 <= d.Length)
        {
            if (d[p] != 0xFF) return false;
            byte m = d[p + 1];
            if (m == 0xFF) { p++; continue; }
            if (m is 0xD8 or 0x01 or (>= 0xD0 and <= 0xD7)) { p += 2; continue; }
            if (m is 0xD9 or 0xDA) return false;
            int len = BinaryPrimitives.ReadUInt16BigEndian(d[(p + 2)..]);
            if (len < 2) return false;
            bool isSof = m is >= 0xC0 and <= 0xCF and not (0xC4 or 0xC8 or 0xCC);
            if (isSof)
            {
                if (p + 9 > d.Length) return false;
                height = BinaryPrimitives.ReadUInt16BigEndian(d[(p + 5)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(d[(p + 7)..]);
                return true;
            }
            p += 2 + len;
        }
        return false;
    }
}
