using System.Diagnostics;

namespace EdgeToolkit.EdgeAgent.Tests;

/// <summary>Temporary folders and the real MJPEG stream made once by ffmpeg.</summary>
internal static class TestFiles
{
    private static readonly Lazy<byte[]> Stream = new(() => Ffmpeg("-f lavfi -i testsrc=size=640x480:rate=30 -t 3 -q:v 5 -f mjpeg -"));
    private static readonly Lazy<byte[]> SmallStream = new(() => Ffmpeg("-f lavfi -i testsrc=size=160x120:rate=30 -t 3 -q:v 5 -f mjpeg -"));

    private static readonly Lazy<string> Root = new(() =>
    {
        string root = Path.Combine(Path.GetTempPath(), "edgeagent-tests", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return root;
    });

    /// <summary>A fresh folder under this test run's temp directory (deleted at exit when the test host exits normally).</summary>
    public static string NewFolder(string name)
    {
        string dir = Path.Combine(Root.Value, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>3 s of 640x480 testsrc at 30 fps as concatenated JPEGs (90 frames), made by ffmpeg.</summary>
    public static byte[] FfmpegMjpeg => Stream.Value;

    /// <summary>The same 90 frames at 160x120 (for tests that decode many frames).</summary>
    public static byte[] SmallFfmpegMjpeg => SmallStream.Value;

    /// <summary>The ffmpeg command line that writes the same stream to stdout.</summary>
    public const string FfmpegCommand = "ffmpeg -loglevel error -f lavfi -i testsrc=size=640x480:rate=30 -t 3 -q:v 5 -f mjpeg -";

    /// <summary>Splits a concatenated stream with the agent's splitter.</summary>
    public static List<byte[]> SplitFrames(byte[] stream)
    {
        var frames = new List<byte[]>();
        new Frames.MjpegSplitter(1 << 24).ReadToEnd(new MemoryStream(stream), f => frames.Add(f.ToArray()), _ => throw new InvalidOperationException("bad frame in the ffmpeg stream"), CancellationToken.None);
        return frames;
    }

    private static byte[] Ffmpeg(string arguments)
    {
        var psi = new ProcessStartInfo("ffmpeg", "-loglevel error " + arguments) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("ffmpeg did not start (test.sh installs it: apt-get install ffmpeg)");
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {arguments} failed: {err}");
        return ms.ToArray();
    }
}
