using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// One booted systemd test device for the whole "systemd device" collection, plus the real linux-x64
/// package (publish.sh, ReadyToRun, with a tiny bundle) unpacked and copied into the container as
/// three versions: the published one, an upgrade (same agent, next version number) and a broken one
/// (its shipped appsettings.json sets TopK 0, so the agent exits 2 at start and never sends READY).
/// </summary>
public sealed class DeviceFixture : IDisposable
{
    private readonly TempDir temp = new("deploy-device");

    public DeviceFixture(IMessageSink sink)
    {
        Repo.RequireTool("tar", "tar");
        string bundle = TinyBundle.Write(temp.Combine("bundle"), fcScale: 8f); // confident: the canary gate test rolls an unsure one
        string dist = temp.Combine("dist");
        var publish = Repo.Run("bash", [Repo.Script("publish.sh"), "--rid", "linux-x64", "--bundle", bundle, "--out", dist,
            "--artifacts-path", Path.Combine(Path.GetTempPath(), "edgetoolkit-device-tests-artifacts")], timeoutSeconds: 1800);
        Assert.True(publish.ExitCode == 0, "publish.sh failed: " + publish);
        Tarball = Directory.GetFiles(dist, "edgeagent-*-linux-x64.tar.gz").Single();
        string name = Path.GetFileName(Tarball)[..^".tar.gz".Length];
        Version = name["edgeagent-".Length..^"-linux-x64".Length];
        string unpacked = temp.Combine("pkg");
        Directory.CreateDirectory(unpacked);
        Check(Repo.Run("tar", ["-xzf", Tarball, "-C", unpacked]));
        string original = Path.Combine(unpacked, name);

        UpgradeVersion = Version + "-upgrade";
        BrokenVersion = Version + "-broken";
        UpgradeTarball = Repack(original, UpgradeVersion, broken: false);
        BrokenTarball = Repack(original, BrokenVersion, broken: true);

        Device = TestDevice.Boot();
        try
        {
            sink.OnMessage(new Xunit.Sdk.DiagnosticMessage($"systemd test device booted: state {Device.State}, ssh port {Device.SshPort}"));
            foreach (string t in new[] { Tarball, UpgradeTarball, BrokenTarball })
            {
                Device.CopyIn(t, "/root/" + Path.GetFileName(t));
                Check(Device.Exec("tar", "-xzf", "/root/" + Path.GetFileName(t), "-C", "/root"));
            }
        }
        catch
        {
            // xunit does not dispose a fixture whose constructor threw: power the device off here.
            Device.Dispose();
            temp.Dispose();
            throw;
        }
        HealthPort = FreePort();
        PrometheusPort = FreePort();
    }

    internal TestDevice Device { get; }

    /// <summary>The published package and its version (Directory.Build.props).</summary>
    public string Tarball { get; }

    public string Version { get; }

    public string UpgradeVersion { get; }

    public string UpgradeTarball { get; }

    public string BrokenVersion { get; }

    public string BrokenTarball { get; }

    /// <summary>Loopback ports the agent in the container listens on (the container shares the host's network namespace).</summary>
    public int HealthPort { get; }

    public int PrometheusPort { get; }

    /// <summary>The unpacked package of <paramref name="version"/> inside the container.</summary>
    public static string PackageDir(string version) => $"/root/edgeagent-{version}-linux-x64";

    /// <summary>
    /// The device configuration the tests install before install.sh (which never overwrites it): a
    /// synthetic JPEG camera at 30 fps (the container has no /dev/video0) and free loopback ports.
    /// </summary>
    public string DeviceConfig(int watchdogFriendlySummarySeconds = 10) => $$"""
        {
          "EdgeAgent": {
            "Bundle": "/var/lib/edgeagent/models/current",
            "StatusFile": "/var/lib/edgeagent/status.json",
            "SummarySeconds": {{watchdogFriendlySummarySeconds}},
            "Source": { "Kind": "synthetic", "PixelFormat": "jpeg", "Width": 320, "Height": 240, "FramesPerSecond": 30 },
            "Metrics": {
              "PrometheusHost": "127.0.0.1", "PrometheusPort": {{PrometheusPort}},
              "HealthHost": "127.0.0.1", "HealthPort": {{HealthPort}}
            }
          }
        }
        """;

    private string Repack(string original, string version, bool broken)
    {
        string name = $"edgeagent-{version}-linux-x64";
        string parent = temp.Combine("repack-" + version);
        Directory.CreateDirectory(parent);
        Check(Repo.Run("cp", ["-a", original, Path.Combine(parent, name)]));
        File.WriteAllText(Path.Combine(parent, name, "VERSION"), version + "\n");
        if (broken)
        {
            string settings = Path.Combine(parent, name, "agent", "appsettings.json");
            File.WriteAllText(settings, File.ReadAllText(settings).Replace("\"TopK\": 3", "\"TopK\": 0", StringComparison.Ordinal));
            Assert.Contains("\"TopK\": 0", File.ReadAllText(settings));
        }
        string tarball = temp.Combine(name + ".tar.gz");
        Check(Repo.Run("tar", ["-czf", tarball, "-C", parent, name]));
        return tarball;
    }

    private static void Check(ProcessResult r) => Assert.True(r.ExitCode == 0, r.ToString());

    /// <summary>A loopback port that was free just now.</summary>
    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public static string Invariant(int n) => n.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        try
        {
            Device?.Dispose();
        }
        finally
        {
            temp.Dispose();
        }
    }
}

/// <summary>The tests that share the booted device run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class DeviceCollection : ICollectionFixture<DeviceFixture>
{
    public const string Name = "systemd device";
}
