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

    /// <summary>Runs ffmpeg and returns what it wrote to stdout.</summary>
    public static byte[] Ffmpeg(string arguments) => Run("ffmpeg", "-loglevel error " + arguments, null, "ffmpeg");

    /// <summary>Runs libjpeg-turbo's jpegtran on <paramref name="jpeg"/> (lossless transcoding: grey, restart markers, progressive, arithmetic).</summary>
    public static byte[] Jpegtran(byte[] jpeg, string arguments) => Run("jpegtran", arguments, jpeg, "libjpeg-turbo-progs");

    /// <summary>Runs libjpeg-turbo's djpeg on <paramref name="jpeg"/> and returns its PPM/PGM output.</summary>
    public static byte[] Djpeg(byte[] jpeg, string arguments) => Run("djpeg", arguments, jpeg, "libjpeg-turbo-progs");

    private static byte[] Run(string tool, string arguments, byte[]? stdin, string package)
    {
        var psi = new ProcessStartInfo(tool, arguments) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = stdin is not null };
        Process? started;
        try { started = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException($"{tool} did not start (test.sh installs it: apt-get install {package})", e); }
        using var p = started ?? throw new InvalidOperationException($"{tool} did not start (test.sh installs it: apt-get install {package})");
        var err = p.StandardError.ReadToEndAsync();
        var writer = Task.Run(() =>
        {
            if (stdin is null) return;
            p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        });
        using var ms = new MemoryStream();
        p.StandardOutput.BaseStream.CopyTo(ms);
        writer.Wait();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {arguments} failed: {err.Result}");
        return ms.ToArray();
    }
}
