using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.Compression.Pruning.Latency;

/// <summary>
/// What a latency table is valid for: the machine (CPU model, cores, architecture), the ONNX Runtime version,
/// the intra-op threads and the precision of the measured models. A table measured under another fingerprint
/// is never reused; <see cref="Key"/> names its cache file.
/// </summary>
/// <param name="CpuModel">CPU model as the machine reports it (<c>/proc/cpuinfo</c> model name, or the board model on ARM).</param>
/// <param name="Cores">Logical cores.</param>
/// <param name="Architecture">Process architecture (X64, Arm64).</param>
/// <param name="OrtVersion">ONNX Runtime version.</param>
/// <param name="Threads">Intra-op threads of every measurement.</param>
/// <param name="Precision">Precision of the measured models (fp32).</param>
public sealed record DeviceFingerprint(string CpuModel, int Cores, string Architecture, string OrtVersion, int Threads, string Precision)
{
    /// <summary>Short stable hash of every field (16 hex digits), used as the cache file name.</summary>
    public string Key
    {
        get
        {
            string text = string.Create(CultureInfo.InvariantCulture, $"{CpuModel}|{Cores}|{Architecture}|{OrtVersion}|{Threads}|{Precision}");
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        }
    }

    /// <summary>The fingerprint of this machine for fp32 measurements with <paramref name="threads"/> intra-op threads.</summary>
    public static DeviceFingerprint Local(int threads) =>
        new(ReadCpuModel(), Environment.ProcessorCount, RuntimeInformation.ProcessArchitecture.ToString(), OrtEnv.Instance().GetVersionString(), threads, "fp32");

    /// <summary>The CPU model line of <c>/proc/cpuinfo</c> (x86 <c>model name</c>; ARM boards: <c>Model</c>, <c>Hardware</c>, <c>CPU part</c>).</summary>
    internal static string ReadCpuModel(string cpuinfo = "/proc/cpuinfo")
    {
        if (!File.Exists(cpuinfo)) return RuntimeInformation.ProcessArchitecture.ToString();
        var lines = File.ReadAllLines(cpuinfo);
        foreach (var key in new[] { "model name", "Model", "Hardware", "CPU part" })
        {
            var line = lines.FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal)
                && l[..l.IndexOf(':', StringComparison.Ordinal)].Trim() == key);
            if (line is not null) return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
        }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{CpuModel}, {Cores} cores, {Architecture}, ONNX Runtime {OrtVersion}, {Threads} thread(s), {Precision}");
}
