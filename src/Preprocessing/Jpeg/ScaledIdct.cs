namespace EdgeToolkit.Preprocessing.Jpeg;

/// <summary>
/// Reduced-size inverse DCT: an 8x8 block of coefficients becomes N x N pixels (N = 1, 2, 4), each the mean
/// of the 8/N x 8/N pixels it replaces, computed from the lowest N x N coefficients only (the dropped higher
/// frequencies contribute little to such a mean; N = 1 is exactly the block mean, DC / 8).
/// </summary>
internal static class ScaledIdct
{
    /// <summary>Zigzag index to natural (row-major) index (T.81 figure A.6).</summary>
    public static ReadOnlySpan<byte> Natural =>
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    private static readonly float[] Basis2 = Basis(2);
    private static readonly float[] Basis4 = Basis(4);
    private static readonly sbyte[] Reduced2 = ReducedIndex(2);
    private static readonly sbyte[] Reduced4 = ReducedIndex(4);

    /// <summary>
    /// For zigzag index k, the index (row * N + column) of the coefficient in the N x N corner, or -1 when it is
    /// outside (its value is skipped, not stored).
    /// </summary>
    public static sbyte[] ReducedIndexFor(int n) => n switch { 2 => Reduced2, 4 => Reduced4, _ => throw new ArgumentOutOfRangeException(nameof(n), n, "must be 2 or 4") };

    /// <summary>The last zigzag index inside the N x N corner (coefficients after it are only skipped).</summary>
    public static int LastZigzagFor(int n) => n == 2 ? 4 : 24;

    /// <summary>Writes the N x N pixels (level-shifted, clamped) of dequantized corner coefficients <paramref name="c"/> (row-major N x N).</summary>
    public static void Transform(int n, ReadOnlySpan<float> c, Span<byte> plane, int offset, int stride)
    {
        float[] t = n == 2 ? Basis2 : Basis4;
        Span<float> rows = stackalloc float[16];
        // Along each coefficient row (frequency v): tmp[v, x] = sum_u T[x, u] * c[v, u].
        for (int v = 0; v < n; v++)
            for (int x = 0; x < n; x++)
            {
                float s = 0;
                for (int u = 0; u < n; u++) s += t[x * n + u] * c[v * n + u];
                rows[v * n + x] = s;
            }
        for (int y = 0; y < n; y++)
        {
            Span<byte> line = plane.Slice(offset + y * stride, n);
            for (int x = 0; x < n; x++)
            {
                float s = 128.5f; // level shift, and round by truncation
                for (int v = 0; v < n; v++) s += t[y * n + v] * rows[v * n + x];
                line[x] = (byte)Math.Clamp(s, 0f, 255f);
            }
        }
    }

    /// <summary>The 1 x 1 case: the block mean, DC / 8 rounded, level-shifted and clamped.</summary>
    public static byte Dc(long dc) => (byte)Math.Clamp(((dc + 4) >> 3) + 128, 0, 255);

    // T[x, u] = mean over the 8/N pixels i of output pixel x of the 8-point IDCT basis C(u)/2 cos((2i + 1) u pi / 16).
    private static float[] Basis(int n)
    {
        var t = new float[n * n];
        int group = 8 / n;
        for (int x = 0; x < n; x++)
            for (int u = 0; u < n; u++)
            {
                double sum = 0;
                for (int i = x * group; i < (x + 1) * group; i++) sum += Math.Cos((2 * i + 1) * u * Math.PI / 16);
                t[x * n + u] = (float)((u == 0 ? 1 / Math.Sqrt(2) : 1) / 2 * sum / group);
            }
        return t;
    }

    private static sbyte[] ReducedIndex(int n)
    {
        var r = new sbyte[64];
        for (int k = 0; k < 64; k++)
        {
            int row = Natural[k] / 8, col = Natural[k] % 8;
            r[k] = row < n && col < n ? (sbyte)(row * n + col) : (sbyte)-1;
        }
        return r;
    }
}
