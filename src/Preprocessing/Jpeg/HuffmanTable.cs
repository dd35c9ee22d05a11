namespace EdgeToolkit.Preprocessing.Jpeg;

/// <summary>
/// One canonical Huffman table of a DHT segment: a <see cref="FastBits"/>-bit lookup for short codes and
/// the per-length largest codes (ITU T.81 F.2.2.3) for the rest.
/// </summary>
internal sealed class HuffmanTable
{
    /// <summary>Codes up to this many bits are decoded with one lookup.</summary>
    public const int FastBits = 9;

    /// <summary>Indexed by the next <see cref="FastBits"/> bits: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer.</summary>
    public readonly ushort[] Fast = new ushort[1 << FastBits];

    /// <summary>Bits looked at by <see cref="Skip"/>.</summary>
    public const int SkipBits = 11;

    /// <summary>
    /// AC tables only, indexed by the next <see cref="SkipBits"/> bits: (code length + magnitude size) &lt;&lt; 8 |
    /// zigzag advance (run + 1, 0 for end-of-block), or 0 when code and magnitude do not fit; skips a coefficient
    /// whose value is not needed in one lookup.
    /// </summary>
    public readonly ushort[] Skip = new ushort[1 << SkipBits];

    /// <summary>Largest code of each length 1..16, -1 when there is none.</summary>
    public readonly int[] MaxCode = new int[17];

    /// <summary>Index into <see cref="Values"/> of code 0 of each length (first code's index minus the first code).</summary>
    public readonly int[] ValueOffset = new int[17];

    /// <summary>The symbols in code order.</summary>
    public readonly byte[] Values = new byte[256];

    /// <summary>Number of symbols.</summary>
    public int Count { get; private set; }

    /// <summary>True once a DHT segment defined this table.</summary>
    public bool IsDefined { get; private set; }

    /// <summary>
    /// Zigzag positions an AC symbol (run &lt;&lt; 4 | size) moves over: the run plus the coefficient, 16 for ZRL, 0
    /// for end-of-block (as in libjpeg, any size-0 symbol other than ZRL ends the block).
    /// </summary>
    public static int AcAdvance(int symbol) => (symbol & 15) == 0 && symbol != 0xF0 ? 0 : (symbol >> 4) + 1;

    /// <summary>Marks the table undefined (a new image starts).</summary>
    public void Clear() => IsDefined = false;

    /// <summary>
    /// Builds the table from the 16 code-length counts and the symbols (<paramref name="symbols"/> holds their
    /// sum); DC symbols are magnitude sizes and must be at most 15.
    /// </summary>
    public void Build(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols, bool isDc, int offset)
    {
        Array.Clear(Fast);
        if (!isDc) Array.Clear(Skip);
        int code = 0, k = 0;
        for (int length = 1; length <= 16; length++)
        {
            int n = counts[length - 1];
            ValueOffset[length] = k - code;
            for (int i = 0; i < n; i++, k++, code++)
            {
                // T.81 C: codes of one length are consecutive and the all-ones code is never used.
                if (code >= (1 << length) - 1) throw JpegDataException.Corrupt($"Huffman table has too many codes of length {length}", offset);
                if (isDc && symbols[k] > 15) throw JpegDataException.Corrupt($"DC Huffman symbol {symbols[k]} is over 15", offset);
                Values[k] = symbols[k];
                if (length <= FastBits)
                {
                    int shift = FastBits - length;
                    Fast.AsSpan(code << shift, 1 << shift).Fill((ushort)((length << 8) | symbols[k]));
                }
                int total = length + (symbols[k] & 15);
                if (!isDc && total <= SkipBits)
                {
                    int advance = AcAdvance(symbols[k]);
                    int shift = SkipBits - length; // the magnitude bits' values do not matter
                    Skip.AsSpan(code << shift, 1 << shift).Fill((ushort)((total << 8) | advance));
                }
            }
            MaxCode[length] = n == 0 ? -1 : code - 1;
            code <<= 1;
        }
        Count = k;
        IsDefined = true;
    }
}
