using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.ModelBundle.Runtime;

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
/// <param name="Precision">Precision of the measured models: <c>fp32</c> as a runner reports it; a latency table of int8 models
/// names the quantizer's target and activation type too (<c>int8 x64-vnni uint8 activations</c>).</param>
/// <param name="Emulated">
/// The process runs under qemu user-mode emulation (an ARM64 root on an x86 host): its timings only show that the
/// path works and say nothing about a real device.
/// </param>
public sealed record DeviceFingerprint(string CpuModel, int Cores, string Architecture, string OrtVersion, int Threads, string Precision, bool Emulated = false)
{
    /// <summary>Short stable hash of every field (16 hex digits), used as the cache file name.</summary>
    public string Key
    {
        get
        {
            string text = string.Create(CultureInfo.InvariantCulture, $"{CpuModel}|{Cores}|{Architecture}|{OrtVersion}|{Threads}|{Precision}{(Emulated ? "|emulated" : "")}");
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16];
        }
    }

    /// <summary>The fingerprint of this machine for fp32 measurements with <paramref name="threads"/> intra-op threads.</summary>
    public static DeviceFingerprint Local(int threads) =>
        new(ReadCpuModel(), Environment.ProcessorCount, RuntimeInformation.ProcessArchitecture.ToString(), OrtEnv.Instance().GetVersionString(), threads, "fp32",
            IsEmulated(RuntimeInformation.ProcessArchitecture));

    /// <summary>
    /// True when this process is emulated by qemu: the kernel hands binaries of its own architecture to a registered
    /// <c>qemu-&lt;arch&gt;</c> interpreter (binfmt_misc, as in an ARM64 container on an x86 host; a native kernel never
    /// registers its own architecture), or an ARM process sees an x86 <c>/proc/cpuinfo</c> (qemu-user without a board cpuinfo).
    /// </summary>
    /// <param name="architecture">The process architecture.</param>
    /// <param name="binfmt">The binfmt_misc folder.</param>
    /// <param name="cpuinfo">The cpuinfo file.</param>
    public static bool IsEmulated(System.Runtime.InteropServices.Architecture architecture, string binfmt = "/proc/sys/fs/binfmt_misc", string cpuinfo = "/proc/cpuinfo")
    {
        string? qemu = architecture switch
        {
            System.Runtime.InteropServices.Architecture.Arm64 => "qemu-aarch64",
            System.Runtime.InteropServices.Architecture.Arm => "qemu-arm",
            System.Runtime.InteropServices.Architecture.X64 => "qemu-x86_64",
            _ => null,
        };
        try
        {
            if (qemu is not null && File.Exists(Path.Combine(binfmt, qemu))
                && File.ReadLines(Path.Combine(binfmt, qemu)).FirstOrDefault() == "enabled")
                return true;
            return architecture is System.Runtime.InteropServices.Architecture.Arm64 or System.Runtime.InteropServices.Architecture.Arm
                && File.Exists(cpuinfo) && File.ReadLines(cpuinfo).Any(l => l.StartsWith("vendor_id", StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

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
        string.Create(CultureInfo.InvariantCulture, $"{CpuModel}, {Cores} cores, {Architecture}, ONNX Runtime {OrtVersion}, {Threads} thread(s), {Precision}")
        + (Emulated ? ", EMULATED under qemu (the table is a functional test only, not the device's latency)" : "");
}
