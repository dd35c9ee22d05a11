using EdgeToolkit.EdgeAgent.Frames;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Processing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace EdgeToolkit.EdgeAgent.Tests;

public class OptionsValidationTests
{
    [Theory]
    [InlineData("EdgeAgent:Source:Kind=foo", "EdgeAgent:Source:Kind 'foo' is not one of v4l2, mjpeg, folder, synthetic")]
    [InlineData("EdgeAgent:Bundle=", "EdgeAgent:Bundle is required")]
    [InlineData("EdgeAgent:TopK=0", "EdgeAgent:TopK 0 must be at least 1")]
    [InlineData("EdgeAgent:RecentFrames=0", "EdgeAgent:RecentFrames 0 must be between 1 and 100000")]
    [InlineData("EdgeAgent:ReducedJpegDecoding=fast", "EdgeAgent:ReducedJpegDecoding 'fast' is not one of auto, off")]
    [InlineData("EdgeAgent:ChannelCapacity=0", "EdgeAgent:ChannelCapacity 0 must be between 1 and 1024")]
    [InlineData("EdgeAgent:SummarySeconds=0", "EdgeAgent:SummarySeconds 0 must be positive")]
    [InlineData("EdgeAgent:Source:Kind=folder", "EdgeAgent:Source:Path is required for Source:Kind 'folder'")]
    [InlineData("EdgeAgent:Source:Kind=mjpeg", "EdgeAgent:Source:Path or EdgeAgent:Source:Command is required")]
    [InlineData("EdgeAgent:Source:PixelFormat=nv12|EdgeAgent:Source:Kind=v4l2", "EdgeAgent:Source:PixelFormat 'nv12' is not one of mjpeg, yuyv")]
    [InlineData("EdgeAgent:Source:PixelFormat=nv12|EdgeAgent:Source:Kind=synthetic", "EdgeAgent:Source:PixelFormat 'nv12' is not one of rgb, yuyv, jpeg")]
    [InlineData("EdgeAgent:Source:Width=641", "EdgeAgent:Source:Width 641 must be even")]
    [InlineData("EdgeAgent:Source:FramesPerSecond=-1", "EdgeAgent:Source:FramesPerSecond -1 must be 0 (unpaced) or positive")]
    [InlineData("EdgeAgent:Source:RetryMaxSeconds=0.1", "EdgeAgent:Source:RetryMaxSeconds 0.1 must be at least RetryInitialSeconds")]
    [InlineData("EdgeAgent:Metrics:PrometheusPort=70000", "EdgeAgent:Metrics:PrometheusPort 70000 must be between 1 and 65535")]
    [InlineData("EdgeAgent:Metrics:OtlpEndpoint=not a uri", "EdgeAgent:Metrics:OtlpEndpoint 'not a uri' is not an absolute URI")]
    [InlineData("EdgeAgent:MaxPixels=0", "EdgeAgent:MaxPixels 0 must be positive")]
    [InlineData("EdgeAgent:InputBuffers=1", "EdgeAgent:InputBuffers 1 must be between 2 and 16")]
    [InlineData("EdgeAgent:LivePage:Enabled=true|EdgeAgent:LivePage:Port=0", "EdgeAgent:LivePage:Port 0 must be between 1 and 65535")]
    [InlineData("EdgeAgent:LivePage:UpdatesPerSecond=50", "EdgeAgent:LivePage:UpdatesPerSecond 50 must be between 0.2 and 10")]
    [InlineData("EdgeAgent:Capture:Folder=/tmp/edgeagent-captures-never", "EdgeAgent:Capture:Folder is set but no rule chooses frames")]
    [InlineData("EdgeAgent:Capture:BelowProbability=1.5", "EdgeAgent:Capture:BelowProbability 1.5 must be between 0 (off) and 1")]
    [InlineData("EdgeAgent:Capture:EveryNthFrame=-2", "EdgeAgent:Capture:EveryNthFrame -2 must be 0 (off) or positive")]
    [InlineData("EdgeAgent:Capture:BudgetMegabytes=0", "EdgeAgent:Capture:BudgetMegabytes 0 must be at least 1")]
    [InlineData("EdgeAgent:Capture:QueueCapacity=0", "EdgeAgent:Capture:QueueCapacity 0 must be between 1 and 1024")]
    [InlineData("EdgeAgent:Capture:Labels:0= ", "EdgeAgent:Capture:Labels:0 is empty")]
    public async Task InvalidSettingFailsAtStartNamingTheSetting(string settings, string expected)
    {
        var args = new List<string> { "--EdgeAgent:Bundle=/nonexistent/bundle", "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false" };
        args.AddRange(settings.Split('|').Select(s => "--" + s));
        using var host = AgentHost.CreateBuilder(args.ToArray()).Build();
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(e.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("synthetic", "rgb", SourceKind.Synthetic, SourcePixelFormat.Rgb)]
    [InlineData("V4L2", "YUYV", SourceKind.V4l2, SourcePixelFormat.Yuyv)] // names read case-insensitively, as before
    [InlineData("mjpeg", "mjpeg", SourceKind.Mjpeg, SourcePixelFormat.Mjpeg)]
    [InlineData("folder", "jpeg", SourceKind.Folder, SourcePixelFormat.Jpeg)]
    public void SourceKindAndPixelFormatAreReadTypedFromTheirConfiguredNames(string kind, string format, SourceKind expectedKind, SourcePixelFormat expectedFormat)
    {
        var options = new FrameSourceOptions { Kind = kind, PixelFormat = format };
        Assert.Equal((expectedKind, expectedFormat), (options.SourceKind, options.SourcePixelFormat));
        Assert.Equal(["v4l2", "mjpeg", "folder", "synthetic"], FrameSourceOptions.Kinds);
    }

    [Fact]
    public void AWrongKindIsBoundAsTextAndNamedWhenReadTyped()
    {
        // The binder does not throw on it (the validator names it at start, see above); code reading it typed gets the setting's name.
        var options = new FrameSourceOptions { Kind = "webcam" };
        var e = Assert.Throws<InvalidOperationException>(() => options.SourceKind);
        Assert.Equal("EdgeAgent:Source:Kind 'webcam' is not one of v4l2, mjpeg, folder, synthetic", e.Message);
    }

    [Theory]
    [InlineData(null, ReducedJpegDecodingMode.Auto)] // not set: the default
    [InlineData("auto", ReducedJpegDecodingMode.Auto)]
    [InlineData("off", ReducedJpegDecodingMode.Off)]
    [InlineData("OFF", ReducedJpegDecodingMode.Off)] // names read case-insensitively, as before
    public void ReducedJpegDecodingIsBoundFromConfigurationTextAndReadTyped(string? configured, ReducedJpegDecodingMode expected)
    {
        var settings = new Dictionary<string, string?> { ["EdgeAgent:Bundle"] = "/opt/edgeagent/bundle" };
        if (configured is not null) settings["EdgeAgent:ReducedJpegDecoding"] = configured;
        var options = new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(AgentOptions.SectionName).Get<AgentOptions>()!;
        Assert.Equal(expected, options.ReducedJpegDecodingMode);
        Assert.Empty(AgentOptionsValidator.Check(options));
    }

    [Fact]
    public void AWrongReducedJpegDecodingIsBoundAsTextAndNamedWhenReadTyped()
    {
        var options = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["EdgeAgent:ReducedJpegDecoding"] = "fast" })
            .Build().GetSection(AgentOptions.SectionName).Get<AgentOptions>()!;
        var e = Assert.Throws<InvalidOperationException>(() => options.ReducedJpegDecodingMode);
        Assert.Equal("EdgeAgent:ReducedJpegDecoding 'fast' is not one of auto, off", e.Message);
    }

    [Fact]
    public void DefaultsWithABundleAreValid()
    {
        Assert.Empty(AgentOptionsValidator.Check(new AgentOptions { Bundle = "/opt/edgeagent/bundle" }));
    }

    [Theory]
    [InlineData(0, true, 4, 3)]  // Pi 4/5: the decode thread keeps a core
    [InlineData(0, true, 2, 1)]
    [InlineData(0, true, 1, 0)]  // one core: nothing to leave free, ORT's default
    [InlineData(0, false, 4, 0)] // one thread does everything: ORT's default
    [InlineData(2, true, 4, 2)]  // an explicit setting wins
    public void InferenceThreadsLeaveACoreForTheDecodeThread(int intraOp, bool overlap, int cores, int expected)
    {
        var options = new AgentOptions { IntraOpThreads = intraOp, OverlapDecode = overlap };
        Assert.Equal(expected, options.InferenceThreads(cores));
    }

    [Fact]
    public void BenchArgumentIsTakenOffTheCommandLine()
    {
        var (request, rest) = BenchRequest.Parse(["--bench", "200", "--EdgeAgent:Bundle=b"]);
        Assert.Equal(200, request!.Frames);
        Assert.Equal(["--EdgeAgent:Bundle=b"], rest);
        var e = Assert.Throws<ArgumentException>(() => BenchRequest.Parse(["--bench", "x"]));
        Assert.Contains("--bench 'x'", e.Message, StringComparison.Ordinal);
    }
}
