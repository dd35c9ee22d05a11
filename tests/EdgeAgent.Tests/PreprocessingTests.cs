using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.EdgeAgent.Telemetry;
using EdgeToolkit.ModelBundle;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeAgent.Tests;

public class PreprocessingTests
{
    private static BundleManifest Manifest(int channels = 3, ResizePolicy resize = ResizePolicy.Stretch, ChannelOrder order = ChannelOrder.Rgb) => new()
    {
        InputShape = [-1, channels, 4, 4],
        ChannelOrder = order,
        ResizePolicy = resize,
        Mean = channels == 1 ? [0.5f] : [0f, 0f, 0f],
        Std = channels == 1 ? [0.25f] : [1f, 1f, 1f],
        Labels = ["a"],
    };

    private static Image<Rgb24> TwoColour(int w, int h, Rgb24 left, Rgb24 right)
    {
        var img = new Image<Rgb24>(w, h);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                img[x, y] = x < w / 2 ? left : right;
        return img;
    }

    [Fact]
    public void LetterboxPadsWithBlackAndKeepsTheImageCentred()
    {
        using var img = TwoColour(8, 4, new Rgb24(255, 0, 0), new Rgb24(255, 0, 0));
        var t = new float[3 * 16];
        FramePreprocessor.ToTensor(img, Manifest(resize: ResizePolicy.Letterbox), t);
        Assert.Equal(0f, t[0]);                 // R, row 0: padding
        Assert.Equal(1f, t[1 * 4 + 1], 2);     // R, row 1: image
        Assert.Equal(1f, t[2 * 4 + 2], 2);     // R, row 2: image
        Assert.Equal(0f, t[3 * 4 + 3]);         // R, row 3: padding
        Assert.Equal(0f, t[16 + 1 * 4 + 1]);    // G plane
    }

    [Fact]
    public void CenterCropKeepsTheMiddleAndStretchKeepsEverything()
    {
        // 16x4: left quarter and right quarter differ from the middle; a centre crop to 4x4 sees only the middle.
        var img = new Image<Rgb24>(16, 4);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 16; x++)
                img[x, y] = x is < 4 or >= 12 ? new Rgb24(0, 0, 255) : new Rgb24(0, 255, 0);
        var crop = new float[48];
        using (var c = img.Clone()) FramePreprocessor.ToTensor(c, Manifest(resize: ResizePolicy.CenterCrop), crop);
        Assert.All(crop[32..48], v => Assert.Equal(0f, v, 2)); // no blue at all
        var stretch = new float[48];
        FramePreprocessor.ToTensor(img, Manifest(resize: ResizePolicy.Stretch), stretch);
        Assert.True(stretch[32] > 0.5f && stretch[32 + 3] > 0.5f); // blue at both edges
        img.Dispose();
    }

    [Fact]
    public void GrayAndBgrAreNormalisedWithMeanAndStd()
    {
        using var white = TwoColour(4, 4, new Rgb24(255, 255, 255), new Rgb24(255, 255, 255));
        var g = new float[16];
        FramePreprocessor.ToTensor(white, Manifest(channels: 1, order: ChannelOrder.Gray), g);
        Assert.All(g, v => Assert.Equal(2f, v, 3)); // (1 - 0.5) / 0.25
        using var red = TwoColour(4, 4, new Rgb24(255, 0, 0), new Rgb24(255, 0, 0));
        var bgr = new float[48];
        FramePreprocessor.ToTensor(red, Manifest(order: ChannelOrder.Bgr), bgr);
        Assert.Equal(0f, bgr[0], 3);
        Assert.Equal(1f, bgr[32], 3);
    }

    [Fact]
    public void YuyvAndRgbFramesDecodeToTheSamePicture()
    {
        var o = new Options.FrameSourceOptions { Width = 16, Height = 8, PixelFormat = "rgb" };
        using var rgbSource = new SyntheticFrameSource(o);
        using var yuyvSource = new SyntheticFrameSource(new Options.FrameSourceOptions { Width = 16, Height = 8, PixelFormat = "yuyv" });
        var pre = new FramePreprocessor(1 << 20, 64);
        Frame First(SyntheticFrameSource s)
        {
            Frame? f = null;
            using var cts = new CancellationTokenSource();
            s.Run(x => { f = x; cts.Cancel(); }, cts.Token);
            return f!;
        }
        using var a = First(rgbSource);
        using var b = First(yuyvSource);
        using var ia = pre.Decode(a);
        using var ib = pre.Decode(b);
        for (int y = 0; y < 8; y++)
            for (int x = 0; x < 16; x++)
            {
                Assert.InRange(Math.Abs(ia[x, y].R - ib[x, y].R), 0, 24);
                Assert.InRange(Math.Abs(ia[x, y].G - ib[x, y].G), 0, 24);
            }
        byte[] white = [235, 128, 235, 128];
        var rgb = new byte[6];
        YuyvConverter.ToRgb24(white, rgb);
        Assert.All(rgb, v => Assert.InRange((int)v, 253, 255));
    }

    [Fact]
    public void OnlyJpegPngAndBmpDecodersAreRegistered()
    {
        var pre = new FramePreprocessor(1 << 20, 64);
        var names = pre.Configuration.ImageFormats.Select(f => f.Name).Order().ToArray();
        Assert.Equal(["BMP", "JPEG", "PNG"], names);
        using var gifStream = new MemoryStream();
        using (var img = new Image<Rgb24>(4, 4)) img.SaveAsGif(gifStream);
        using var gif = Frame.Copy(gifStream.ToArray(), FrameFormat.Encoded, 0, 0, 1);
        var e = Assert.Throws<BadFrameException>(() => pre.Decode(gif));
        Assert.Equal("unknown-format", e.Reason);
    }

    [Fact]
    public void HugeDimensionsAreRefusedFromTheHeader()
    {
        byte[] jpeg = TestFiles.SplitFrames(TestFiles.FfmpegMjpeg)[0];
        Assert.Equal(("jpeg", 640, 480), ImageHeader.Read(jpeg));
        var pre = new FramePreprocessor(640 * 480 - 1, 64);
        using var f = Frame.Copy(jpeg, FrameFormat.Encoded, 0, 0, 7);
        var e = Assert.Throws<BadFrameException>(() => pre.Decode(f));
        Assert.Equal("too-large", e.Reason);
        Assert.Contains("EdgeAgent:MaxPixels", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TopKIsASortedSoftmax()
    {
        var (idx, p) = TopK.Compute([1f, 3f, 2f, -1f], 3);
        Assert.Equal([1, 2, 0], idx);
        double all = new[] { 1.0, 3, 2, -1 }.Sum(v => Math.Exp(v));
        Assert.Equal(Math.Exp(3) / all, p[0], 5);
        Assert.True(p[0] > p[1] && p[1] > p[2]);
    }

    [Fact]
    public void TopK_ranks_near_equal_logits_by_logit_as_the_host_argmax_does()
    {
        // Logits this close give equal float probabilities; the ranking must still follow the logits
        // (an untrained or weak model produced these, and the agent reported class 0 for every frame).
        float[] logits = [1.7e-14f, -2.2e-14f, -2.6e-14f, 1.98e-14f, 1.98e-14f, -1.8e-14f];
        var (idx, p) = TopK.Compute(logits, 3);
        Assert.Equal([3, 4, 0], idx);
        Assert.Equal(p[0], p[2]); // the probabilities themselves are equal in float
        var (top, _) = TopK.Compute([2f, 5f, 5f, 1f], 4);
        Assert.Equal([1, 2, 0, 3], top); // a tie keeps the lower index first
    }

    [Fact]
    public void LatencyHistogramPercentilesAreWithinAboutOnePercent()
    {
        var h = new LatencyHistogram();
        for (int i = 1; i <= 1000; i++) h.Record(i);
        var s = h.Snapshot(reset: true);
        Assert.Equal(1000, s.Count);
        Assert.InRange(s.P50, 495, 506);
        Assert.InRange(s.P90, 891, 910);
        Assert.InRange(s.P99, 980, 1000);
        Assert.Equal(1000, s.Max);
        Assert.Equal(500.5, s.Mean, 6);
        Assert.Equal(0, h.Snapshot().Count);
    }
}
