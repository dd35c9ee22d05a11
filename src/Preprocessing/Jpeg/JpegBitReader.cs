using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace EdgeToolkit.Preprocessing.Jpeg;

/// <summary>
/// Reads the entropy-coded data of a scan MSB first, removing stuffed zero bytes (FF 00). It never reads past
/// a marker or the end of the data: it feeds zero bits instead and counts them, so the decoder can tell
/// after each MCU whether it used bits that are not there (<see cref="Overrun"/>).
/// </summary>
internal ref struct JpegBitReader
{
    private readonly ReadOnlySpan<byte> data;
    private int pos;
    private ulong acc;   // valid bits are the top `bits` bits
    private int bits;
    private int padBits; // zero bits fed after a marker or the end; always the last ones in `acc`

    /// <summary>Starts reading entropy-coded data at <paramref name="start"/>.</summary>
    public JpegBitReader(ReadOnlySpan<byte> data, int start)
    {
        this.data = data;
        pos = start;
    }

    /// <summary>Offset of the next byte not yet loaded (the marker that stopped the reader, once it stopped).</summary>
    public readonly int Position => pos;

    /// <summary>True when the decoder consumed zero bits fed in place of missing data.</summary>
    public readonly bool Overrun => bits < padBits;

    /// <summary>True when the reader stopped at the end of the data or at EOI (the data is cut short), not at another marker.</summary>
    public readonly bool StoppedAtEnd
    {
        get
        {
            int p = pos + 1;
            while (p < data.Length && data[p] == 0xFF) p++;
            return p >= data.Length || data[p] == 0xD9;
        }
    }

    /// <summary>Decodes one Huffman symbol; throws <see cref="JpegDataException"/> for a code the table does not have.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int DecodeSymbol(HuffmanTable table)
    {
        if (bits < 32) Fill();
        int entry = table.Fast[(int)(acc >> (64 - HuffmanTable.FastBits))];
        if (entry != 0)
        {
            int length = entry >> 8;
            acc <<= length;
            bits -= length;
            return entry & 0xFF;
        }
        return DecodeLongCode(table);
    }

    /// <summary>Reads <paramref name="size"/> (1..16) magnitude bits and extends them to a signed value (T.81 F.2.2.1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReceiveExtend(int size)
    {
        if (bits < 16) Fill();
        int v = (int)(acc >> (64 - size));
        acc <<= size;
        bits -= size;
        return v < 1 << (size - 1) ? v - (1 << size) + 1 : v;
    }

    /// <summary>
    /// Decodes a block of which only the DC is needed: returns the DC difference and skips the AC coefficients
    /// (the hot path of a 1/8 decode, with the bit buffer in locals).
    /// </summary>
    public int DecodeDcSkipAc(HuffmanTable dc, HuffmanTable ac)
    {
        if (bits < 32) Fill();
        int entry = dc.Fast[(int)(acc >> (64 - HuffmanTable.FastBits))];
        int size;
        if (entry != 0)
        {
            int length = entry >> 8;
            acc <<= length;
            bits -= length;
            size = entry & 0xFF;
        }
        else size = DecodeLongCode(dc);
        int diff = size == 0 ? 0 : ReceiveExtend(size);
        SkipAc(ac, 1);
        return diff;
    }

    /// <summary>
    /// Entropy-decodes and discards the AC coefficients from zigzag index <paramref name="k"/> to the end of the
    /// block (the hot loop of a 1/8 decode: one <see cref="HuffmanTable.Skip"/> lookup per coefficient, state in locals).
    /// </summary>
    public void SkipAc(HuffmanTable table, int k)
    {
        ushort[] skip = table.Skip;
        ulong a = acc;
        int n = bits;
        while (k < 64)
        {
            if (n < 32)
            {
                acc = a;
                bits = n;
                Fill();
                a = acc;
                n = bits;
            }
            int entry = skip[(int)(a >> (64 - HuffmanTable.SkipBits))];
            int advance;
            if (entry != 0)
            {
                int length = entry >> 8;
                a <<= length;
                n -= length;
                advance = entry & 0xFF;
            }
            else
            {
                acc = a;
                bits = n;
                int rs = DecodeSymbol(table);
                Skip(rs & 15);
                a = acc;
                n = bits;
                advance = HuffmanTable.AcAdvance(rs);
            }
            if (advance == 0) break; // EOB
            k += advance;
            if (k > 64) throw JpegDataException.Corrupt("AC coefficient past index 63", pos);
        }
        acc = a;
        bits = n;
    }

    /// <summary>Skips <paramref name="size"/> (0..16) bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Skip(int size)
    {
        if (bits < 16) Fill();
        acc <<= size;
        bits -= size;
    }

    /// <summary>
    /// Discards the buffered bits and moves to the next marker (RSTn included; FF 00 and fill bytes are not
    /// markers); returns its offset (the 0xFF), or -1 when the data ends first.
    /// </summary>
    public int SeekMarker()
    {
        acc = 0;
        bits = padBits = 0;
        int p = pos;
        while (p + 1 < data.Length)
        {
            if (data[p] == 0xFF && data[p + 1] is not (0x00 or 0xFF)) return pos = p;
            p++;
        }
        pos = data.Length;
        return -1;
    }

    /// <summary>Resumes reading entropy-coded data at <paramref name="start"/> (after a restart marker).</summary>
    public void Restart(int start)
    {
        acc = 0;
        bits = padBits = 0;
        pos = start;
    }

    private int DecodeLongCode(HuffmanTable table)
    {
        for (int length = HuffmanTable.FastBits + 1; length <= 16; length++)
        {
            int code = (int)(acc >> (64 - length));
            if (code <= table.MaxCode[length])
            {
                int index = table.ValueOffset[length] + code;
                if ((uint)index >= (uint)table.Count) break;
                acc <<= length;
                bits -= length;
                return table.Values[index];
            }
        }
        throw JpegDataException.Corrupt("invalid Huffman code", pos);
    }

    /// <summary>Loads bytes until at least 57 bits are buffered (zero bits once a marker or the end is reached).</summary>
    private void Fill()
    {
        // Fast path: the next 8 bytes hold no 0xFF (no stuffing, no marker), so whole bytes are taken at once.
        if (pos + 8 <= data.Length)
        {
            ulong w = BinaryPrimitives.ReadUInt64BigEndian(data[pos..]);
            if (((~w - 0x0101010101010101UL) & w & 0x8080808080808080UL) == 0)
            {
                int take = (64 - bits) >> 3;
                acc |= take == 8 ? w : (w >> (64 - 8 * take)) << (64 - bits - 8 * take);
                pos += take;
                bits += 8 * take;
                return;
            }
        }
        while (bits <= 56)
        {
            int b = 0;
            if (pos < data.Length)
            {
                b = data[pos];
                if (b != 0xFF) pos++;
                else if (pos + 1 < data.Length && data[pos + 1] == 0x00) pos += 2;
                else { b = 0; padBits += 8; }
            }
            else padBits += 8;
            acc |= (ulong)b << (56 - bits);
            bits += 8;
        }
    }
}
