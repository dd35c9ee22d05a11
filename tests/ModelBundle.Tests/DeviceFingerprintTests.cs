using System.Runtime.InteropServices;
using EdgeToolkit.ModelBundle.Runtime;

namespace EdgeToolkit.ModelBundle.Tests;

/// <summary>
/// The device fingerprint a latency table is keyed by, qemu detection (an emulated table is a functional test only),
/// and the timing report the agent sends back over ssh.
/// </summary>
public sealed class DeviceFingerprintTests : IDisposable
{
    private readonly string folder = Path.Combine(Path.GetTempPath(), "edgekit-fingerprint-tests", Guid.NewGuid().ToString("N"));

    public DeviceFingerprintTests() => Directory.CreateDirectory(folder);

    private string Write(string name, string text)
    {
        string path = Path.Combine(folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_registered_qemu_interpreter_for_the_process_architecture_means_emulation()
    {
        string binfmt = Path.Combine(folder, "binfmt");
        Write("binfmt/qemu-aarch64", "enabled\ninterpreter /usr/libexec/qemu-binfmt/aarch64-binfmt-P\n");
        string board = Write("cpuinfo-pi", "processor\t: 0\nCPU part\t: 0xd08\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n");
        Assert.True(DeviceFingerprint.IsEmulated(Architecture.Arm64, binfmt, board));
        Assert.False(DeviceFingerprint.IsEmulated(Architecture.X64, binfmt, board)); // an x64 process is not run by qemu-aarch64
        Write("binfmt/qemu-aarch64", "disabled\n");
        Assert.False(DeviceFingerprint.IsEmulated(Architecture.Arm64, binfmt, board));
    }

    [Fact]
    public void An_arm_process_that_sees_an_x86_cpuinfo_is_emulated()
    {
        string none = Path.Combine(folder, "no-binfmt");
        string x86 = Write("cpuinfo-x86", "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9454P\n");
        Assert.True(DeviceFingerprint.IsEmulated(Architecture.Arm64, none, x86));
        Assert.False(DeviceFingerprint.IsEmulated(Architecture.X64, none, x86));
    }

    [Fact]
    public void An_emulated_fingerprint_has_its_own_key_and_says_so()
    {
        var real = new DeviceFingerprint("Raspberry Pi 4 Model B Rev 1.4", 4, "Arm64", "1.31.1", 1, "fp32");
        var emulated = real with { Emulated = true };
        Assert.NotEqual(real.Key, emulated.Key);
        Assert.Equal(16, real.Key.Length);
        Assert.DoesNotContain("qemu", real.ToString());
        Assert.Contains("EMULATED under qemu (the table is a functional test only", emulated.ToString());
    }

    [Fact]
    public void The_timing_report_round_trips_as_one_json_line()
    {
        var report = new ModelTimingReport(DeviceFingerprint.Local(2), [0.0125, 1.5]);
        string line = report.ToJson();
        Assert.DoesNotContain('\n', line);
        Assert.Contains("\"p50Ms\":[0.0125,1.5]", line);
        var back = ModelTimingReport.Parse(line, "pi@device");
        Assert.Equal(report.Fingerprint, back.Fingerprint);
        Assert.Equal(new[] { 0.0125, 1.5 }, back.P50Ms);
    }

    [Theory]
    [InlineData("bash: EdgeAgent: command not found", "pi@device: expected a model timing report")]
    [InlineData("{\"p50Ms\":[1]}", "pi@device: model timing report '{\"p50Ms\":[1]}' lacks 'fingerprint' or 'p50Ms'")]
    [InlineData("{\"fingerprint\":{\"cpuModel\":\"x\",\"cores\":1,\"architecture\":\"Arm64\",\"ortVersion\":\"1.31.1\",\"threads\":1,\"precision\":\"fp32\"},\"p50Ms\":[1,-2]}", "pi@device: p50Ms[1] must be a finite number of milliseconds but is -2")]
    public void A_bad_report_is_refused_naming_the_device_and_field(string line, string message)
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelTimingReport.Parse(line, "pi@device"));
        Assert.Contains(message, e.Message);
    }

    public void Dispose()
    {
        try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
    }
}
