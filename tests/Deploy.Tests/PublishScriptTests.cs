namespace EdgeToolkit.Deploy.Tests;

/// <summary>publish.sh and check-arm64.sh refuse bad arguments before building anything (the full publish runs in <see cref="Arm64CheckTests"/>).</summary>
public sealed class PublishScriptTests
{
    [Theory]
    [InlineData("publish.sh", new[] { "--rid", "win-arm64" }, "--rid 'win-arm64' is not supported (expected linux-arm64 or linux-x64)")]
    [InlineData("publish.sh", new[] { "--bundle", "/nonexistent" }, "--bundle '/nonexistent' has no manifest.json")]
    [InlineData("publish.sh", new[] { "--project", "/nonexistent" }, "--project '/nonexistent' is not a folder")]
    [InlineData("publish.sh", new[] { "--frobnicate" }, "unknown argument '--frobnicate'")]
    [InlineData("publish.sh", new[] { "--ort-native", "/nonexistent" }, "--ort-native '/nonexistent' is not a folder")]
    [InlineData("publish.sh", new[] { "--ort-native", "/tmp" }, "--ort-native '/tmp' holds no libonnxruntime.so")]
    [InlineData("publish.sh", new[] { "--rid", "linux-x64", "--aot", "--trim" }, "--aot trims the whole agent already; --trim is for the JIT package")]
    [InlineData("publish.sh", new[] { "--rid", "linux-x64", "--aot", "--no-ready-to-run" }, "--aot compiles everything ahead of time; --no-ready-to-run is for the JIT package")]
    [InlineData("publish.sh", new[] { "--rid", "linux-arm64", "--aot", "--sysroot", "/nonexistent" }, "--sysroot '/nonexistent' has no usr/lib/aarch64-linux-gnu/crt1.o (an arm64 sysroot with the C runtime's development files: make-sysroot.sh --dev DIR)")]
    [InlineData("publish.sh", new[] { "--rid", "linux-x64", "--aot", "--sysroot", "/tmp" }, "--sysroot is for cross-compiling (--rid linux-arm64 --aot on x64); --rid linux-x64 is this machine's own")]
    [InlineData("publish.sh", new[] { "--rid", "linux-arm64", "--sysroot", "/tmp" }, "--sysroot is for --aot (the JIT package needs no C toolchain)")]
    [InlineData("check-arm64.sh", new string[0], "--bundle is required")]
    [InlineData("check-arm64.sh", new[] { "--bundle", "/nonexistent" }, "--bundle '/nonexistent' has no manifest.json")]
    public void Bad_arguments_are_refused_naming_them(string script, string[] args, string message)
    {
        var r = Repo.Run("bash", [Repo.Script(script), .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    [Fact]
    public void An_ort_native_library_of_the_wrong_architecture_is_refused_before_publishing()
    {
        // This machine's own (x86-64) ONNX Runtime library offered for an arm64 package.
        string x64 = Directory.GetFiles(AppContext.BaseDirectory, "libonnxruntime.so", SearchOption.AllDirectories)
            .First(f => f.Contains("linux-x64", StringComparison.Ordinal));
        string dir = Path.Combine(Path.GetTempPath(), "edgekit-ort-native-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            File.Copy(x64, Path.Combine(dir, "libonnxruntime.so"));
            var r = Repo.Run("bash", [Repo.Script("publish.sh"), "--rid", "linux-arm64", "--ort-native", dir]);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains($"--ort-native: {dir}/libonnxruntime.so is not a linux-arm64 library", r.StdErr);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
