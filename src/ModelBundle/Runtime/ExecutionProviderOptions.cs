namespace EdgeToolkit.ModelBundle.Runtime;

/// <summary>
/// The settings of the non-CPU execution providers that matter on a device (bound from
/// <c>EdgeAgent:ProviderOptions</c>); ignored by the providers they do not concern.
/// </summary>
public sealed class ExecutionProviderOptions
{
    /// <summary>The name of the configuration section under the agent's section.</summary>
    public const string SectionName = "ProviderOptions";

    /// <summary>The folder under the service's state directory that holds TensorRT engines by default.</summary>
    public const string DefaultEngineCacheFolderName = "tensorrt-engines";

    /// <summary>CUDA / TensorRT device index (0 on a Jetson).</summary>
    public int DeviceId { get; set; }

    /// <summary>TensorRT builds fp16 kernels where they are faster (trt_fp16_enable).</summary>
    public bool TensorRtFp16 { get; set; } = true;

    /// <summary>TensorRT runs QDQ (int8) models with int8 kernels (trt_int8_enable).</summary>
    public bool TensorRtInt8 { get; set; }

    /// <summary>
    /// Folder of TensorRT's engine cache (building an engine takes minutes on a Jetson; the cache makes the
    /// next start fast). Empty: <c>$STATE_DIRECTORY/tensorrt-engines</c> (systemd's StateDirectory,
    /// /var/lib/edgeagent), else <c>tensorrt-engines</c> under the working directory.
    /// </summary>
    public string TensorRtEngineCacheFolder { get; set; } = "";

    /// <summary>XNNPACK's own thread pool size; 0 = one per core (XNNPACK's default).</summary>
    public int XnnpackThreads { get; set; }

    /// <summary>The engine cache folder this configuration resolves to (absolute).</summary>
    public string ResolveEngineCacheFolder()
    {
        if (!string.IsNullOrWhiteSpace(TensorRtEngineCacheFolder)) return Path.GetFullPath(TensorRtEngineCacheFolder);
        string? state = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        // systemd passes a colon-separated list when a unit names several state directories.
        string root = string.IsNullOrWhiteSpace(state) ? Directory.GetCurrentDirectory() : state.Split(':')[0];
        return Path.GetFullPath(Path.Combine(root, DefaultEngineCacheFolderName));
    }

    /// <summary>One message per invalid setting, each naming it under <paramref name="prefix"/> (e.g. <c>EdgeAgent:ProviderOptions</c>).</summary>
    public List<string> Check(string prefix)
    {
        var e = new List<string>();
        if (DeviceId is < 0 or > 63) e.Add($"{prefix}:DeviceId {DeviceId} must be between 0 and 63 (the CUDA device index)");
        if (XnnpackThreads is < 0 or > 256) e.Add($"{prefix}:XnnpackThreads {XnnpackThreads} must be 0 (one per core) or between 1 and 256");
        if (TensorRtEngineCacheFolder.Contains('\0', StringComparison.Ordinal)) e.Add($"{prefix}:TensorRtEngineCacheFolder contains a NUL character");
        return e;
    }
}
