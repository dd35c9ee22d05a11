namespace EdgeToolkit.Deploy.Tests;

/// <summary>install.sh / uninstall.sh under an install root with the service manager switched off.</summary>
public sealed class InstallScriptTests : IDisposable
{
    private readonly TempDir temp = new("deploy-install");
    private readonly ITestOutputHelper output;

    public InstallScriptTests(ITestOutputHelper output) => this.output = output;

    private string RootDir => temp.Combine("root");

    private ProcessResult Install(string package, string? notReadyVersion = null, params string[] extra)
    {
        var env = new Dictionary<string, string?> { ["EDGEAGENT_TEST_NOT_READY"] = notReadyVersion, ["EDGEAGENT_NO_SYSTEMD"] = null };
        var r = Repo.Run("bash", [Path.Combine(package, "install.sh"), "--root", RootDir, "--no-systemd", .. extra], env);
        output.WriteLine(r.ToString());
        return r;
    }

    private ProcessResult Uninstall(params string[] extra)
    {
        var r = Repo.Run("bash", [Repo.Script("uninstall.sh"), "--root", RootDir, "--no-systemd", .. extra]);
        output.WriteLine(r.ToString());
        return r;
    }

    private string Current => Path.Combine(RootDir, "opt", "edgeagent", "current");

    private string CurrentVersion => new FileInfo(Current).LinkTarget ?? "";

    private string Config => Path.Combine(RootDir, "etc", "edgeagent", "appsettings.json");

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("1..2")]
    [InlineData("-1.0")]
    [InlineData("")]
    public void Version_that_could_name_another_folder_is_refused(string version)
    {
        string pkg = FakePackage.Create(temp.Combine("pkg-bad"), "1.0.0");
        File.WriteAllText(Path.Combine(pkg, "VERSION"), version + "\n");

        var r = Install(pkg);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"VERSION: '{version}' is not a version", r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(RootDir, "opt", "edgeagent", "current")));
    }

    [Fact]
    public void Version_with_a_slash_is_refused()
    {
        string pkg = FakePackage.Create(temp.Combine("pkg-slash"), "1.0.0");
        File.WriteAllText(Path.Combine(pkg, "VERSION"), "../../etc\n");

        var r = Install(pkg);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("is not a version", r.StdErr);
    }

    [Fact]
    public void Install_lays_out_version_folder_current_link_config_models_and_unit()
    {
        string pkg = FakePackage.Create(temp.Combine("pkg1"), "1.0.0", bundleLabel: "cat");
        var r = Install(pkg);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Contains("edgeagent 1.0.0 installed and ready", r.StdOut);
        Assert.True(File.Exists(Path.Combine(RootDir, "opt/edgeagent/1.0.0/EdgeAgent")));
        Assert.Equal("1.0.0", CurrentVersion);
        Assert.True(File.Exists(Path.Combine(Current, "EdgeAgent.dll")));
        Assert.Equal(File.ReadAllText(Repo.Script("appsettings.device.json")), File.ReadAllText(Config));
        Assert.Equal(File.ReadAllText(Repo.Script("edgeagent.service")), File.ReadAllText(Path.Combine(RootDir, "etc/systemd/system/edgeagent.service")));
        string models = Path.Combine(RootDir, "var/lib/edgeagent/models");
        string bundle = new FileInfo(Path.Combine(models, "current")).LinkTarget!;
        Assert.StartsWith("model-", bundle);
        Assert.Equal("model cat", File.ReadAllText(Path.Combine(models, "current", "model.onnx")));
        Assert.False(Directory.Exists(Path.Combine(RootDir, "opt/edgeagent/previous")));
    }

    [Fact]
    public void Second_install_of_the_same_version_changes_nothing()
    {
        string pkg = FakePackage.Create(temp.Combine("pkg1"), "1.0.0", bundleLabel: "cat");
        Assert.Equal(0, Install(pkg).ExitCode);
        var before = FakePackage.Snapshot(RootDir);
        Thread.Sleep(1100); // so a rewritten file would show a different mtime
        var again = Install(pkg);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing changed", again.StdOut);
        Assert.Equal(before, FakePackage.Snapshot(RootDir));
    }

    [Fact]
    public void Upgrade_switches_current_keeps_previous_and_never_overwrites_config()
    {
        Assert.Equal(0, Install(FakePackage.Create(temp.Combine("pkg1"), "1.0.0")).ExitCode);
        File.WriteAllText(Config, "{ \"EdgeAgent\": { \"Bundle\": \"/my/model\" } }");
        string pkg2 = FakePackage.Create(temp.Combine("pkg2"), "1.1.0");
        File.WriteAllText(Path.Combine(pkg2, "appsettings.json"), "{ \"new\": \"default\" }");
        var r = Install(pkg2);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("1.1.0", CurrentVersion);
        Assert.Equal("1.0.0", new FileInfo(Path.Combine(RootDir, "opt/edgeagent/previous")).LinkTarget);
        Assert.Equal("{ \"EdgeAgent\": { \"Bundle\": \"/my/model\" } }", File.ReadAllText(Config));
        Assert.True(Directory.Exists(Path.Combine(RootDir, "opt/edgeagent/1.0.0")));
    }

    [Fact]
    public void Failed_readiness_rolls_current_back_to_the_previous_version()
    {
        Assert.Equal(0, Install(FakePackage.Create(temp.Combine("pkg1"), "1.0.0")).ExitCode);
        var r = Install(FakePackage.Create(temp.Combine("pkg2"), "2.0.0"), notReadyVersion: "2.0.0", "--timeout", "1");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains("ROLLED BACK", r.StdOut);
        Assert.Contains("2.0.0 did not become ready", r.StdOut);
        Assert.Contains("1.0.0 is running again", r.StdOut);
        Assert.Equal("1.0.0", CurrentVersion);
    }

    [Fact]
    public void Failed_first_install_has_nothing_to_roll_back_to_and_says_so()
    {
        var r = Install(FakePackage.Create(temp.Combine("pkg1"), "1.0.0"), notReadyVersion: "1.0.0", "--timeout", "1");
        Assert.Equal(4, r.ExitCode);
        Assert.Contains("no previous version to roll back to", r.StdOut);
    }

    [Fact]
    public void Rollback_switch_goes_back_to_the_previous_version()
    {
        Assert.Equal(0, Install(FakePackage.Create(temp.Combine("pkg1"), "1.0.0")).ExitCode);
        string pkg2 = FakePackage.Create(temp.Combine("pkg2"), "1.1.0");
        Assert.Equal(0, Install(pkg2).ExitCode);
        var r = Install(pkg2, null, "--rollback");
        Assert.Equal(3, r.ExitCode);
        Assert.Equal("1.0.0", CurrentVersion);
    }

    [Fact]
    public void Uninstall_keeps_config_and_models_unless_purge()
    {
        Assert.Equal(0, Install(FakePackage.Create(temp.Combine("pkg1"), "1.0.0", bundleLabel: "cat")).ExitCode);
        var r = Uninstall();
        Assert.Equal(0, r.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(RootDir, "opt/edgeagent")));
        Assert.False(File.Exists(Path.Combine(RootDir, "etc/systemd/system/edgeagent.service")));
        Assert.True(File.Exists(Config));
        Assert.True(File.Exists(Path.Combine(RootDir, "var/lib/edgeagent/models/current/manifest.json")));

        var purge = Uninstall("--purge");
        Assert.Equal(0, purge.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(RootDir, "etc/edgeagent")));
        Assert.False(Directory.Exists(Path.Combine(RootDir, "var/lib/edgeagent")));
    }

    [Theory]
    [InlineData("--timeout", "soon", "--timeout 'soon' is not a whole number")]
    [InlineData("--bundle", "/nonexistent", "has no manifest.json")]
    [InlineData("--frobnicate", "", "unknown argument '--frobnicate'")]
    public void Bad_arguments_are_refused_with_a_message_naming_them(string flag, string value, string message)
    {
        string pkg = FakePackage.Create(temp.Combine("pkg1"), "1.0.0");
        var r = Install(pkg, null, value.Length > 0 ? [flag, value] : [flag]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
        Assert.False(Directory.Exists(Path.Combine(RootDir, "opt/edgeagent/1.0.0")));
    }

    public void Dispose() => temp.Dispose();
}
