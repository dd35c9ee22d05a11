using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Processing;
using EdgeToolkit.Preprocessing;

namespace EdgeToolkit.EdgeAgent.Tests;

public class MjpegSplitterTests
{
    [Fact]
    public void SplitsTheRealFfmpegStreamIntoItsNinetyFrames()
    {
        var frames = TestFiles.SplitFrames(TestFiles.FfmpegMjpeg);
        Assert.Equal(90, frames.Count);
        Assert.Equal(TestFiles.FfmpegMjpeg.Length, frames.Sum(f => f.Length));
        Assert.All(frames, f => Assert.Equal(("jpeg", 640, 480), ImageHeader.Read(f)));
    }

    [Fact]
    public void SurvivesOneByteReadsGarbageBetweenFramesAndAnEmbeddedThumbnail()
    {
        var good = TestFiles.SplitFrames(TestFiles.FfmpegMjpeg).Take(3).ToList();
        // An APP1 segment carrying a complete "thumbnail" JPEG (SOI ... EOI) must not split the frame.
        byte[] thumb = [0xFF, 0xD8, 0xFF, 0xD9];
        byte[] app1 = [0xFF, 0xE1, 0x00, (byte)(2 + thumb.Length), .. thumb];
        byte[] withThumb = [.. good[0][..2], .. app1, .. good[0][2..]];
        byte[] stream = [.. "noise"u8, .. withThumb, 0x00, 0x12, .. good[1], .. good[2]];
        var frames = new List<int>();
        var bad = new List<string>();
        var splitter = new MjpegSplitter(1 << 20);
        using var input = new OneByteStream(stream);
        splitter.ReadToEnd(input, f => frames.Add(f.Length), bad.Add, CancellationToken.None);
        Assert.Equal([withThumb.Length, good[1].Length, good[2].Length], frames);
        Assert.Empty(bad);
    }

    [Fact]
    public void EachFrameIsDeliveredWithItsByteOffsetInTheStream()
    {
        var good = TestFiles.SplitFrames(TestFiles.FfmpegMjpeg).Take(3).ToList();
        byte[] stream = [.. "noise"u8, .. good[0], 0x00, 0x12, .. good[1], .. good[2]];
        var splitter = new MjpegSplitter(1 << 20);
        var offsets = new List<long>();
        // Small reads force the buffer to be compacted between frames.
        using var input = new OneByteStream(stream);
        splitter.ReadToEnd(input, _ => offsets.Add(splitter.FrameOffset), _ => { }, CancellationToken.None);
        Assert.Equal([5L, 5 + good[0].Length + 2, 5 + good[0].Length + 2 + good[1].Length], offsets);
    }

    [Fact]
    public void FolderFramesAreNamedByTheirFile()
    {
        string folder = Directory.CreateTempSubdirectory("folder-source-").FullName;
        try
        {
            var jpeg = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg)[0];
            File.WriteAllBytes(Path.Combine(folder, "b.jpg"), jpeg);
            File.WriteAllBytes(Path.Combine(folder, "a.jpg"), jpeg);
            var options = new Options.FrameSourceOptions { Kind = "folder", Path = folder, Loop = false };
            using var source = new FolderFrameSource(options, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new SourceEvents());
            var names = new List<(long, string?)>();
            source.Run(f => { using (f) names.Add((f.Sequence, f.Source)); }, CancellationToken.None);
            Assert.Equal([(1L, "a.jpg"), (2L, "b.jpg")], names);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void StreamEndingInsideAFrameCountsItAsTruncated()
    {
        var good = TestFiles.SplitFrames(TestFiles.SmallFfmpegMjpeg).Take(2).ToList();
        byte[] stream = [.. good[0], .. good[1][..(good[1].Length / 2)]];
        var frames = new List<int>();
        var bad = new List<string>();
        new MjpegSplitter(1 << 20).ReadToEnd(new MemoryStream(stream), f => frames.Add(f.Length), bad.Add, CancellationToken.None);
        Assert.Equal([good[0].Length], frames);
        Assert.Equal(["truncated"], bad);
    }

    [Fact]
    public void OversizeFrameIsSkippedAndCounted()
    {
        var good = TestFiles.SplitFrames(TestFiles.FfmpegMjpeg).Take(2).ToList();
        byte[] stream = [.. good[0], .. good[1]];
        var frames = new List<int>();
        var bad = new List<string>();
        new MjpegSplitter(Math.Max(good[0].Length, good[1].Length) - 1).ReadToEnd(new MemoryStream(stream), f => frames.Add(f.Length), bad.Add, CancellationToken.None);
        Assert.Contains("oversize", bad);
        Assert.True(frames.Count + bad.Count == 2, $"frames {frames.Count}, bad {string.Join(",", bad)}");
    }

    [Fact]
    public void V4l2BufferIsTrimmedAtTheEndOfImageMarker()
    {
        byte[] jpeg = TestFiles.SplitFrames(TestFiles.FfmpegMjpeg)[0];
        byte[] mmap = new byte[jpeg.Length + 4096];
        jpeg.CopyTo(mmap, 0);
        Assert.Equal(jpeg.Length, V4l2FrameSource.TrimAtEndOfImage(mmap));
        Assert.Equal(-1, V4l2FrameSource.TrimAtEndOfImage(new byte[100]));
        Assert.Equal(3, V4l2FrameSource.BusIdOf("/dev/video3"));
    }

    private sealed class OneByteStream(byte[] data) : Stream
    {
        private int position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => position; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (position >= data.Length || count == 0) return 0;
            buffer[offset] = data[position++];
            return 1;
        }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
