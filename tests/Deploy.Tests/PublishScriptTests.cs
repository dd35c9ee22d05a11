namespace EdgeToolkit.Deploy.Tests;

/// <summary>publish.sh and check-arm64.sh refuse bad arguments before building anything (the full publish runs in <see cref="Arm64CheckTests"/>).</summary>
public sealed class PublishScriptTests
{
    [Theory]
    [InlineData("publish.sh", new[] { "--rid", "win-arm64" }, "--rid 'win-arm64' is not supported (expected linux-arm64 or linux-x64)")]
    [InlineData("publish.sh", new[] { "--bundle", "/nonexistent" }, "--bundle '/nonexistent' has no manifest.json")]
    [InlineData("publish.sh", new[] { "--project", "/nonexistent" }, "--project '/nonexistent' is not a folder")]
    [InlineData("publish.sh", new[] { "--frobnicate" }, "unknown argument '--frobnicate'")]
    [InlineData("check-arm64.sh", new string[0], "--bundle is required")]
    [InlineData("check-arm64.sh", new[] { "--bundle", "/nonexistent" }, "--bundle '/nonexistent' has no manifest.json")]
    public void Bad_arguments_are_refused_naming_them(string script, string[] args, string message)
    {
        var r = Repo.Run("bash", [Repo.Script(script), .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }
}
