using System.Buffers.Binary;
using EdgeToolkit.EdgeAgent.Options;
using Xunit.Abstractions;

namespace EdgeToolkit.EdgeAgent.Tests;

public class CorruptFrameTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ThousandCorruptedFramesAreCountedAndEveryGoodOneIsClassified()
    {
        var good = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg);
        var rng = new Random(42);
        using var stream = new MemoryStream();
        int goodCount = 0;
        var kinds = new[] { "truncated", "bit-flipped", "zero-length", "huge-dimensions" };
        for (int i = 0; i < 1000; i++)
        {
            if (i % 4 == 0) { stream.Write(good[goodCount % good.Count]); goodCount++; }
            byte[] src = good[rng.Next(good.Count)];
            stream.Write(kinds[i % 4] switch
            {
                // Cut inside the entropy-coded data: no EOI, the next frame's SOI follows.
                "truncated" => src[..rng.Next(src.Length / 2, src.Length - 2)],
                // One bit flipped in a marker byte of the header (the 0xFF of a segment after SOI).
                "bit-flipped" => FlipMarkerBit(src, rng),
                // SOI immediately followed by EOI: a frame with zero bytes of image.
                "zero-length" => [0xFF, 0xD8, 0xFF, 0xD9],
                _ => HugeDimensions(src),
            });
        }
        stream.Write(good[0]);
        goodCount++;
        string dir = TestFiles.NewFolder("corrupt");
        string file = Path.Combine(dir, "corrupt.mjpeg");
        File.WriteAllBytes(file, stream.ToArray());

        var options = new AgentOptions
        {
            Bundle = TinyClassifier.WriteBundle(Path.Combine(dir, "bundle")),
            MaxPixels = 4096L * 4096,
            Source = new FrameSourceOptions { Kind = "mjpeg", Path = file, Loop = false },
        };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        await h.RunAsync(0);

        var bad = h.Metrics.BadByReason;
        output.WriteLine($"good {goodCount}, classified {h.Metrics.Processed}, bad {h.Metrics.Bad}: {string.Join(", ", bad.Select(kv => $"{kv.Key}={kv.Value}"))}");
        Assert.Equal(goodCount, h.Metrics.Processed);
        Assert.Equal(goodCount, h.Predictions.Count);
        Assert.Equal(1000, h.Metrics.Bad);
        Assert.Equal(250, bad["truncated"]);
        Assert.Equal(250, bad["corrupt"]);
        Assert.Equal(250, bad["decode-error"]);
        Assert.Equal(250, bad["too-large"]);
    }

    [Fact]
    public async Task ZeroByteAndGarbageFilesInAFolderAreCounted()
    {
        string dir = TestFiles.NewFolder("folder-bad");
        string images = Directory.CreateDirectory(Path.Combine(dir, "images")).FullName;
        var good = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg);
        File.WriteAllBytes(Path.Combine(images, "a.jpg"), good[0]);
        File.WriteAllBytes(Path.Combine(images, "b.jpg"), []);
        File.WriteAllBytes(Path.Combine(images, "c.png"), "not an image at all"u8.ToArray());
        File.WriteAllBytes(Path.Combine(images, "d.jpg"), good[1]);
        var options = new AgentOptions
        {
            Bundle = TinyClassifier.WriteBundle(Path.Combine(dir, "bundle")),
            Source = new FrameSourceOptions { Kind = "folder", Path = images, Loop = false },
        };
        using var h = new Harness(options);
        Assert.True(h.Models.TryLoad());
        await h.RunAsync(0);
        Assert.Equal(2, h.Metrics.Processed);
        Assert.Equal(1, h.Metrics.BadByReason["empty"]);
        Assert.Equal(1, h.Metrics.BadByReason["unknown-format"]);
    }

    private static byte[] FlipMarkerBit(byte[] jpeg, Random rng)
    {
        var markers = new List<int>();
        int p = 2;
        while (p + 4 <= jpeg.Length && jpeg[p] == 0xFF)
        {
            markers.Add(p);
            if (jpeg[p + 1] == 0xDA) break;
            p += 2 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(p + 2));
        }
        byte[] copy = (byte[])jpeg.Clone();
        copy[markers[rng.Next(markers.Count)]] ^= (byte)(1 << rng.Next(8));
        return copy;
    }

    private static byte[] HugeDimensions(byte[] jpeg)
    {
        byte[] copy = (byte[])jpeg.Clone();
        int p = 2;
        while (copy[p + 1] is not (0xC0 or 0xC1 or 0xC2)) p += 2 + BinaryPrimitives.ReadUInt16BigEndian(copy.AsSpan(p + 2));
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(p + 5), 60000);
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(p + 7), 60000);
        return copy;
    }
}
