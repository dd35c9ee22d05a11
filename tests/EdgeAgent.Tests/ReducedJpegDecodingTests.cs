using System.Collections.Concurrent;
using System.Text;
using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.Preprocessing;
using EdgeToolkit.Preprocessing.Jpeg;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Xunit.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>The reduced-size JPEG decoder against real ffmpeg / libjpeg-turbo files, ImageSharp and djpeg.</summary>
public class ReducedJpegDecodingTests(ITestOutputHelper output)
{
    private const string Testsrc = "-f lavfi -i testsrc=size={0}:rate=1 -frames:v 1 -pix_fmt {1} {2} -f mjpeg -";
    private static readonly ConcurrentDictionary<string, byte[]> Cache = new();

    /// <summary>Real baseline JPEGs: ffmpeg's mjpeg encoder, some transcoded losslessly by jpegtran.</summary>
    private static byte[] Jpeg(string variant) => Cache.GetOrAdd(variant, v => v switch
    {
        "420" => Ffmpeg("640x480", "yuvj420p", "-q:v 5"),
        "420 default huffman q3" => Ffmpeg("640x480", "yuvj420p", "-q:v 3 -huffman default"),
        "422" => Ffmpeg("640x480", "yuvj422p", "-q:v 5"),
        "444" => Ffmpeg("640x480", "yuvj444p", "-q:v 5"),
        // ffmpeg's slice threading writes DRI and an RSTn after every MCU row.
        "420 restarts (ffmpeg slices)" => Ffmpeg("640x480", "yuvj420p", "-q:v 5 -threads 2 -slices 2"),
        "420 restart every 3 MCUs" => TestFiles.Jpegtran(Jpeg("420"), "-restart 3B"),
        "444 restart every 7 MCUs" => TestFiles.Jpegtran(Jpeg("444"), "-restart 7B"),
        "grey" => TestFiles.Jpegtran(Jpeg("420"), "-grayscale"),
        "grey restart every 5 MCUs" => TestFiles.Jpegtran(Jpeg("420"), "-grayscale -restart 5B"),
        "420 three sequential scans" => TestFiles.Jpegtran(Jpeg("420"), $"-scans {ScanScript()}"),
        "420 650x490 (partial MCUs)" => Ffmpeg("650x490", "yuvj420p", "-q:v 5"),
        "progressive" => TestFiles.Jpegtran(Jpeg("420"), "-progressive"),
        "arithmetic" => TestFiles.Jpegtran(Jpeg("420"), "-arithmetic"),
        _ => throw new ArgumentException(v),
    });

    private static byte[] Ffmpeg(string size, string pixFmt, string extra) => TestFiles.Ffmpeg(string.Format(null, Testsrc, size, pixFmt, extra));

    private static string ScanScript()
    {
        string file = Path.Combine(TestFiles.NewFolder("scans"), "scans.txt");
        File.WriteAllText(file, "0;\n1;\n2;\n"); // one non-interleaved sequential scan per component
        return file;
    }

    public static TheoryData<string, int> Baseline()
    {
        var d = new TheoryData<string, int>();
        foreach (string v in new[] { "420", "420 default huffman q3", "422", "444", "420 restarts (ffmpeg slices)", "420 restart every 3 MCUs",
                     "444 restart every 7 MCUs", "grey", "grey restart every 5 MCUs", "420 three sequential scans", "420 650x490 (partial MCUs)" })
            foreach (int scale in new[] { 8, 4, 2 })
                d.Add(v, scale);
        return d;
    }

    [Theory]
    [MemberData(nameof(Baseline))]
    public void ReducedDecodeMatchesImageSharpFullDecodeBoxAveraged(string variant, int scale)
    {
        byte[] jpeg = Jpeg(variant);
        var decoder = new ReducedJpegDecoder(1 << 24);
        Assert.True(decoder.TryDecode(jpeg, scale, out string? unsupported), unsupported);
        using var full = Image.Load<Rgb24>(jpeg);
        Assert.Equal((full.Width + scale - 1) / scale, decoder.Width);
        Assert.Equal((full.Height + scale - 1) / scale, decoder.Height);

        double[] mad = MeanAbsoluteDifference(decoder.Rgb, BoxAverage(full, scale));
        output.WriteLine($"{variant} 1/{scale}: {decoder.Width}x{decoder.Height}, mean |diff| R {mad[0]:F2} G {mad[1]:F2} B {mad[2]:F2}");
        // 1/8: a block's DC is exactly the mean of its 64 IDCT outputs and YCbCr->RGB is linear, so only rounding,
        // ImageSharp's clamping of saturated testsrc colours before averaging and chroma upsampling differ; 4:2:0
        // chroma gets a 2x2 IDCT, 4:2:2 chroma (halved horizontally only) is repeated: measured <= 1.9, bound 2.5.
        // 1/4 and 1/2 also drop the higher frequencies (sharp testsrc edges and text) and 1/2 repeats 4:2:0 chroma,
        // which blurs colour edges that do not fall on block boundaries (650x490): measured <= 3.5, bound 4.
        double bound = scale == 8 ? 2.5 : 4;
        Assert.All(mad, m => Assert.InRange(m, 0, bound));
    }

    [Theory]
    [InlineData("grey")]
    [InlineData("444")]
    [InlineData("444 restart every 7 MCUs")]
    public void EighthScaleMatchesLibjpegTurboScaledDecode(string variant)
    {
        // djpeg -scale 1/8 also takes DC / 8 per block, with the same fixed-point YCbCr->RGB; without chroma
        // subsampling (and -nosmooth) there is no upsampling difference, so the pixels must agree to rounding.
        byte[] jpeg = Jpeg(variant);
        var decoder = new ReducedJpegDecoder(1 << 24);
        Assert.True(decoder.TryDecode(jpeg, 8, out _));
        var (w, h, pixels) = ReadPpm(TestFiles.Djpeg(jpeg, "-scale 1/8 -nosmooth -dct int -rgb -pnm"));
        Assert.Equal((decoder.Width, decoder.Height), (w, h));
        int max = 0;
        for (int i = 0; i < pixels.Length; i++) max = Math.Max(max, Math.Abs(pixels[i] - decoder.Rgb[i]));
        Assert.InRange(max, 0, 1);
    }

    [Theory]
    [InlineData("progressive", "progressive")]
    [InlineData("arithmetic", "arithmetic")]
    public void UnsupportedCodingIsReportedAndThePreprocessorFallsBackToAFullDecode(string variant, string reason)
    {
        byte[] jpeg = Jpeg(variant);
        Assert.False(new ReducedJpegDecoder(1 << 24).TryDecode(jpeg, 8, out string? unsupported));
        Assert.Contains(reason, unsupported, StringComparison.Ordinal);
        if (variant == "progressive")
        {
            var pre = new FramePreprocessor(1 << 24, 64);
            using var frame = Frame.Copy(jpeg, FrameFormat.Encoded, 0, 0, 3);
            using var image = pre.Decode(frame, 32, 32);
            Assert.Equal((640, 480), (image.Width, image.Height)); // ImageSharp's full decode
        }
    }

    [Theory]
    [InlineData(32, 32, 80, 60)]     // 1/8: MobileNet at 32x32
    [InlineData(100, 60, 160, 120)]  // 1/4
    [InlineData(224, 224, 640, 480)] // 1/2 would cover it, but is slower than a full decode: full size
    [InlineData(321, 100, 640, 480)] // no reduction keeps 321 columns: full size
    [InlineData(0, 0, 640, 480)]     // no minimum: full size
    public void ThePreprocessorPicksTheLargestReductionThatStillCoversTheModelInput(int minWidth, int minHeight, int width, int height)
    {
        var pre = new FramePreprocessor(1 << 24, 64);
        using var frame = Frame.Copy(Jpeg("420"), FrameFormat.Encoded, 0, 0, 1);
        using var image = pre.Decode(frame, minWidth, minHeight);
        Assert.Equal((width, height), (image.Width, image.Height));
    }

    [Fact]
    public void TruncatedAndCorruptDataNameTheFrameTheReasonAndTheOffset()
    {
        byte[] jpeg = Jpeg("420 restarts (ffmpeg slices)");
        var pre = new FramePreprocessor(1 << 24, 64);
        using (var cut = Frame.Copy(jpeg.AsSpan(0, jpeg.Length * 2 / 3), FrameFormat.Encoded, 0, 0, 11))
        {
            var e = Assert.Throws<BadFrameException>(() => pre.Decode(cut, 32, 32));
            output.WriteLine(e.Message);
            Assert.Equal("truncated", e.Reason);
            Assert.Matches(@"^frame 11: jpeg .* at byte \d+", e.Message);
        }
        // Renumber the first restart marker: RST0 becomes RST5.
        byte[] wrong = (byte[])jpeg.Clone();
        int rst = IndexOfMarker(wrong, 0xD0);
        wrong[rst + 1] = 0xD5;
        using var bad = Frame.Copy(wrong, FrameFormat.Encoded, 0, 0, 12);
        var c = Assert.Throws<BadFrameException>(() => pre.Decode(bad, 32, 32));
        output.WriteLine(c.Message);
        Assert.Equal("corrupt", c.Reason);
        Assert.Contains($"expected restart marker RST0", c.Message, StringComparison.Ordinal);
        Assert.Contains($"at byte {rst}", c.Message, StringComparison.Ordinal);
        // Without the reduced decoder ImageSharp decodes the same frame fully.
        using var ok = Frame.Copy(jpeg, FrameFormat.Encoded, 0, 0, 13);
        using var image = pre.Decode(ok);
        Assert.Equal(640, image.Width);
    }

    [Fact]
    public void MotionJpegFramesWithoutHuffmanTablesAreDecodedWithTheStandardOnes()
    {
        // UVC cameras send MJPEG frames without DHT; ffmpeg's "-huffman default" writes exactly the T.81 K.3 tables,
        // so the frame with its DHT segments removed must decode to the same pixels.
        byte[] jpeg = Jpeg("420 default huffman q3");
        byte[] noDht = WithoutSegments(jpeg, 0xC4);
        Assert.True(noDht.Length < jpeg.Length);
        var decoder = new ReducedJpegDecoder(1 << 24);
        Assert.True(decoder.TryDecode(jpeg, 8, out _));
        byte[] expected = decoder.Rgb.ToArray();
        Assert.True(decoder.TryDecode(noDht, 8, out _));
        Assert.Equal(expected, decoder.Rgb.ToArray());
        // ImageSharp 2.1.13 cannot decode such a frame at all: the reduced path is the only one that can.
        var pre = new FramePreprocessor(1 << 24, 64);
        using var frame = Frame.Copy(noDht, FrameFormat.Encoded, 0, 0, 5);
        using var image = pre.Decode(frame, 32, 32);
        Assert.Equal((80, 60), (image.Width, image.Height));
        Assert.Equal("decode-error", Assert.Throws<BadFrameException>(() => pre.Decode(frame)).Reason);
    }

    [Fact]
    public void TheDecoderRefusesMorePixelsThanItsLimitBeforeDecoding()
    {
        var e = Assert.Throws<JpegDataException>(() => new ReducedJpegDecoder(640 * 480 - 1).TryDecode(Jpeg("420"), 8, out _));
        Assert.Equal("too-large", e.Reason);
    }

    [Fact]
    public void TruncatedAndBitFlippedBaselineJpegsDecodeOrThrowJpegDataExceptionOnly()
    {
        // Small frames so thousands of mutants run quickly; the sources cover 4:2:0, restarts, grey, 4:4:4, multi-scan.
        var sources = new[]
        {
            Ffmpeg("160x120", "yuvj420p", "-q:v 5"),
            Ffmpeg("160x120", "yuvj420p", "-q:v 5 -threads 2 -slices 2"),
            TestFiles.Jpegtran(Ffmpeg("160x120", "yuvj444p", "-q:v 8"), "-grayscale -restart 2B"),
            TestFiles.Jpegtran(Ffmpeg("168x120", "yuvj422p", "-q:v 2"), $"-scans {ScanScript()}"),
        };
        var rng = new Random(1234);
        var decoder = new ReducedJpegDecoder(1 << 22);
        var pre = new FramePreprocessor(1 << 22, 64);
        var outcomes = new Dictionary<string, int>();
        for (int i = 0; i < 4000; i++)
        {
            byte[] src = sources[i % sources.Length];
            byte[] mutant = (i % 3) switch
            {
                0 => src[..rng.Next(2, src.Length)],
                1 => FlipBits(src, rng, 1 + rng.Next(3)),
                _ => Overwrite(src, rng),
            };
            int scale = 8 >> rng.Next(3);
            string outcome;
            try
            {
                outcome = decoder.TryDecode(mutant, scale, out _) ? "decoded" : "unsupported";
            }
            catch (JpegDataException e)
            {
                outcome = e.Reason;
                Assert.InRange(e.Offset, 0, mutant.Length);
            }
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            // The same bytes through the agent's preprocessor: an image or a BadFrameException, nothing else.
            using var frame = Frame.Copy(mutant, FrameFormat.Encoded, 0, 0, i);
            try
            {
                using var image = pre.Decode(frame, 16, 16);
            }
            catch (BadFrameException)
            {
            }
        }
        output.WriteLine(string.Join(", ", outcomes.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.True(outcomes.GetValueOrDefault("truncated") > 100, "truncation must be detected");
        Assert.True(outcomes.GetValueOrDefault("corrupt") > 100, "corruption must be detected");
        Assert.True(outcomes.GetValueOrDefault("decoded") > 100, "flips inside entropy-coded data still decode");
    }

    [Fact]
    public async Task AgentTopOnePredictionsAreTheSameWithAndWithoutReducedDecoding()
    {
        string dir = TestFiles.NewFolder("reduced-top1");
        string file = Path.Combine(dir, "stream.mjpeg");
        File.WriteAllBytes(file, TestFiles.FfmpegMjpeg);
        string bundle = TinyClassifier.WriteBundle(Path.Combine(dir, "bundle"));
        async Task<Dictionary<long, string>> Run(string mode)
        {
            var options = new AgentOptions
            {
                Bundle = bundle,
                ReducedJpegDecoding = mode,
                Source = new FrameSourceOptions { Kind = "mjpeg", Path = file, Loop = false },
            };
            using var h = new Harness(options);
            Assert.True(h.Models.TryLoad());
            await h.RunAsync(0);
            Assert.Equal(0, h.Metrics.Bad);
            return h.Predictions.ToDictionary(p => p.Sequence, p => p.Labels[0]);
        }
        var reduced = await Run("auto");
        var full = await Run("off");
        Assert.Equal(90, reduced.Count);
        Assert.Equal(full, reduced);
    }

    private static Rgb24[] BoxAverage(Image<Rgb24> image, int s)
    {
        int w = (image.Width + s - 1) / s, h = (image.Height + s - 1) / s;
        var sums = new long[w * h * 3];
        var counts = new int[w * h];
        image.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (int x = 0; x < row.Length; x++)
                {
                    int o = y / s * w + x / s;
                    sums[3 * o] += row[x].R;
                    sums[3 * o + 1] += row[x].G;
                    sums[3 * o + 2] += row[x].B;
                    counts[o]++;
                }
            }
        });
        var result = new Rgb24[w * h];
        for (int i = 0; i < result.Length; i++)
        {
            double n = counts[i];
            result[i] = new Rgb24((byte)Math.Round(sums[3 * i] / n), (byte)Math.Round(sums[3 * i + 1] / n), (byte)Math.Round(sums[3 * i + 2] / n));
        }
        return result;
    }

    private static double[] MeanAbsoluteDifference(ReadOnlySpan<byte> rgb, Rgb24[] reference)
    {
        var sum = new double[3];
        for (int i = 0; i < reference.Length; i++)
        {
            sum[0] += Math.Abs(rgb[3 * i] - reference[i].R);
            sum[1] += Math.Abs(rgb[3 * i + 1] - reference[i].G);
            sum[2] += Math.Abs(rgb[3 * i + 2] - reference[i].B);
        }
        return [sum[0] / reference.Length, sum[1] / reference.Length, sum[2] / reference.Length];
    }

    private static (int Width, int Height, byte[] Pixels) ReadPpm(byte[] ppm)
    {
        // "P6\n<w> <h>\n255\n" then RGB bytes.
        int p = 0;
        var fields = new List<string>();
        while (fields.Count < 4)
        {
            while (char.IsWhiteSpace((char)ppm[p])) p++;
            int start = p;
            while (!char.IsWhiteSpace((char)ppm[p])) p++;
            fields.Add(Encoding.ASCII.GetString(ppm, start, p - start));
        }
        Assert.Equal("P6", fields[0]);
        int w = int.Parse(fields[1], null), h = int.Parse(fields[2], null);
        return (w, h, ppm.AsSpan(p + 1, w * h * 3).ToArray());
    }

    private static byte[] WithoutSegments(byte[] jpeg, byte marker)
    {
        using var ms = new MemoryStream();
        ms.Write(jpeg, 0, 2);
        int p = 2;
        while (true)
        {
            int length = (jpeg[p + 2] << 8) | jpeg[p + 3];
            if (jpeg[p + 1] != marker) ms.Write(jpeg, p, 2 + length);
            bool scan = jpeg[p + 1] == 0xDA;
            p += 2 + length;
            if (scan) break;
        }
        ms.Write(jpeg, p, jpeg.Length - p);
        return ms.ToArray();
    }

    private static int IndexOfMarker(byte[] jpeg, byte marker)
    {
        for (int i = 0; i + 1 < jpeg.Length; i++)
            if (jpeg[i] == 0xFF && jpeg[i + 1] == marker) return i;
        throw new InvalidOperationException($"no marker 0x{marker:X2}");
    }

    private static byte[] FlipBits(byte[] src, Random rng, int count)
    {
        byte[] copy = (byte[])src.Clone();
        for (int i = 0; i < count; i++)
        {
            int at = 2 + rng.Next(copy.Length - 2);
            copy[at] ^= (byte)(1 << rng.Next(8));
        }
        return copy;
    }

    private static byte[] Overwrite(byte[] src, Random rng)
    {
        byte[] copy = (byte[])src.Clone();
        int at = 2 + rng.Next(copy.Length - 2);
        int n = Math.Min(copy.Length - at, 1 + rng.Next(8));
        // Random bytes, 0xFF-heavy so that fake markers and stuffing appear.
        for (int i = 0; i < n; i++) copy[at + i] = rng.Next(3) == 0 ? (byte)0xFF : (byte)rng.Next(256);
        return copy;
    }
}
