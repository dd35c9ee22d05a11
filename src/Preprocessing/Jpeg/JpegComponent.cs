namespace EdgeToolkit.Preprocessing.Jpeg;

/// <summary>One image component of the frame header and its reduced-size sample plane.</summary>
internal sealed class JpegComponent
{
    /// <summary>Component identifier from SOF.</summary>
    public int Id;

    /// <summary>Horizontal and vertical sampling factors (1..4).</summary>
    public int H, V;

    /// <summary>Quantization table selector (0..3).</summary>
    public int QuantTable;

    /// <summary>Huffman tables of the scan that codes this component.</summary>
    public HuffmanTable Dc = null!, Ac = null!;

    /// <summary>Quantization table (natural order) in effect for the scan that codes this component.</summary>
    public int[] Quant = [];

    /// <summary>Blocks in a non-interleaved scan of this component: ceil(ceil(X * H / Hmax) / 8) by the same for Y.</summary>
    public int BlocksWide, BlocksHigh;

    /// <summary>
    /// Samples per block side in <see cref="Plane"/> (1, 2 or 4): the image's reduced block size times the
    /// subsampling ratio, so that subsampled chroma keeps the resolution of the reduced image where it can.
    /// </summary>
    public int BlockSize;

    /// <summary>Width of <see cref="Plane"/> in samples (MCU-padded blocks times the reduced block size).</summary>
    public int Stride;

    /// <summary>Reduced-size samples, reused from frame to frame.</summary>
    public byte[] Plane = [];

    /// <summary>DC predictor (T.81 F.2.1.3.1).</summary>
    public int DcPredictor;

    /// <summary>True once a scan decoded this component.</summary>
    public bool Decoded;
}
