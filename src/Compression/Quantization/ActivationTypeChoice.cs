using System.Runtime.InteropServices;
using EdgeToolkit.Preprocessing;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>The activation type used for a target, and why (reported in the quantization report and manifest).</summary>
/// <param name="Target">The target, resolved (never <see cref="QuantizationTarget.Host"/>).</param>
/// <param name="ActivationType">The type chosen (or the one the user forced).</param>
/// <param name="Reason">Why, in one sentence.</param>
public sealed record ActivationTypeChoice(QuantizationTarget Target, QuantizedActivationType ActivationType, string Reason)
{
    /// <summary>The ONNX Runtime session setting that lets x86 builds fuse int8-activation QDQ groups as ARM64 builds do (used to report fusion for an ARM64 target).</summary>
    public const string QdqIsInt8AllowedKey = "session.qdqisint8allowed";

    /// <summary>Whether ONNX Runtime on <see cref="Target"/> fuses QDQ groups with int8 activations (true on ARM64, false on x86-64).</summary>
    public bool FusesInt8Activations => Target is QuantizationTarget.Arm64 or QuantizationTarget.Arm64DotProduct;

    /// <summary>Chooses the activation type for <paramref name="target"/>; <paramref name="forced"/> (not Auto) overrides the choice.</summary>
    public static ActivationTypeChoice For(QuantizationTarget target, QuantizedActivationType forced = QuantizedActivationType.Auto)
    {
        var resolved = target == QuantizationTarget.Host ? DetectHost() : target;
        var (type, reason) = resolved switch
        {
            QuantizationTarget.X64Vnni => (QuantizedActivationType.UInt8,
                "x86-64 with VNNI: ONNX Runtime's x86 kernels are u8 x s8 (vpdpbusd) and its x86 QDQ fusion takes uint8 activations only; int8 activations are converted pair by pair, so residual fan-outs stay float"),
            QuantizationTarget.X64 => (QuantizedActivationType.UInt8,
                "x86-64 without VNNI: u8 x s8 kernels (vpmaddubsw, 16-bit pair sums) and x86 QDQ fusion take uint8 activations; weights are 7-bit by default, because full-range pair sums saturate"),
            QuantizationTarget.Arm64DotProduct => (QuantizedActivationType.Int8,
                "ARM64 with dot product: ONNX Runtime fuses int8 QDQ groups natively on ARM64 and runs them on its s8 x s8 sdot kernels"),
            _ => (QuantizedActivationType.UInt8,
                "ARM64 without dot product: no sdot/udot, so ONNX Runtime uses its widening NEON kernels, where u8 activations are its long-standing default path"),
        };
        if (forced != QuantizedActivationType.Auto && forced != type)
            return new ActivationTypeChoice(resolved, forced, $"forced by the user ({Name(forced)}); the choice for this target would be {Name(type)}: {reason}");
        return new ActivationTypeChoice(resolved, type, reason);
    }

    /// <summary>The CPU family of this process.</summary>
    public static QuantizationTarget DetectHost()
    {
        if (RuntimeInformation.ProcessArchitecture == Architecture.Arm64)
            return Dp.IsSupported ? QuantizationTarget.Arm64DotProduct : QuantizationTarget.Arm64;
        return AvxVnni.IsSupported || CpuInfoHasFlag("avx512_vnni") ? QuantizationTarget.X64Vnni : QuantizationTarget.X64;
    }

    /// <summary>Lower-case name used by the CLI and reports (<c>int8</c>, <c>uint8</c>).</summary>
    public static string Name(QuantizedActivationType type) => KebabCase.Name(type);

    /// <summary>One line for logs and provenance.</summary>
    public override string ToString() => $"target {KebabCase.Name(Target)}: {Name(ActivationType)} activations ({Reason})";

    private static bool CpuInfoHasFlag(string flag)
    {
        try
        {
            return File.Exists("/proc/cpuinfo") && File.ReadLines("/proc/cpuinfo")
                .Any(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(flag));
        }
        catch (IOException)
        {
            return false;
        }
    }
}
