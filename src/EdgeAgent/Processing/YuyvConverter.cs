namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>Packed YUYV (YUV 4:2:2, BT.601 studio range, as UVC cameras deliver) to RGB24.</summary>
public static class YuyvConverter
{
    /// <summary>Converts <paramref name="yuyv"/> (2 bytes per pixel) into <paramref name="rgb"/> (3 bytes per pixel).</summary>
    public static void ToRgb24(ReadOnlySpan<byte> yuyv, Span<byte> rgb)
    {
        int pairs = yuyv.Length / 4;
        if (rgb.Length < pairs * 6) throw new ArgumentException($"rgb holds {rgb.Length} bytes, {pairs * 6} needed", nameof(rgb));
        for (int i = 0; i < pairs; i++)
        {
            int y0 = yuyv[i * 4] - 16, u = yuyv[i * 4 + 1] - 128, y1 = yuyv[i * 4 + 2] - 16, v = yuyv[i * 4 + 3] - 128;
            int rd = 409 * v + 128, gd = -100 * u - 208 * v + 128, bd = 516 * u + 128;
            int c0 = 298 * y0, c1 = 298 * y1;
            int o = i * 6;
            rgb[o] = Clamp((c0 + rd) >> 8);
            rgb[o + 1] = Clamp((c0 + gd) >> 8);
            rgb[o + 2] = Clamp((c0 + bd) >> 8);
            rgb[o + 3] = Clamp((c1 + rd) >> 8);
            rgb[o + 4] = Clamp((c1 + gd) >> 8);
            rgb[o + 5] = Clamp((c1 + bd) >> 8);
        }
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
