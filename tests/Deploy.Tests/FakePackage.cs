namespace EdgeToolkit.Deploy.Tests;

/// <summary>
/// An unpacked edgeagent tarball made by hand (same layout as publish.sh writes) with a stub agent,
/// so install.sh/uninstall.sh are tested without publishing the real agent.
/// </summary>
internal static class FakePackage
{
    public static string Create(string parent, string version, string? bundleLabel = null)
    {
        string dir = Path.Combine(parent, $"edgeagent-{version}-linux-x64");
        Directory.CreateDirectory(Path.Combine(dir, "agent"));
        File.WriteAllText(Path.Combine(dir, "VERSION"), version + "\n");
        File.WriteAllText(Path.Combine(dir, "RID"), "linux-x64\n");
        string exe = Path.Combine(dir, "agent", "EdgeAgent");
        File.WriteAllText(exe, $"#!/bin/sh\necho edgeagent {version}\n");
        File.SetUnixFileMode(exe, (UnixFileMode)0b111_101_101);
        File.WriteAllText(Path.Combine(dir, "agent", "EdgeAgent.dll"), "agent " + version);
        File.Copy(Repo.Script("appsettings.device.json"), Path.Combine(dir, "appsettings.json"));
        foreach (string f in new[] { "edgeagent.service", "install.sh", "uninstall.sh" })
            File.Copy(Repo.Script(f), Path.Combine(dir, f));
        if (bundleLabel is not null)
        {
            string bundle = Path.Combine(dir, "bundle");
            Directory.CreateDirectory(bundle);
            File.WriteAllText(Path.Combine(bundle, "model.onnx"), "model " + bundleLabel);
            string sha = ModelBundle.ModelBundleFolder.ComputeSha256(Path.Combine(bundle, "model.onnx"));
            File.WriteAllText(Path.Combine(bundle, "manifest.json"), $"{{\n  \"sha256\": \"{sha}\",\n  \"labels\": [\"{bundleLabel}\"]\n}}\n");
        }
        return dir;
    }

    /// <summary>Every path under <paramref name="root"/> with its kind, link target, size, mode, mtime and content.</summary>
    public static SortedDictionary<string, string> Snapshot(string root)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFileSystemEntries(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var info = new FileInfo(path);
            string rel = Path.GetRelativePath(root, path);
            if (info.LinkTarget is { } target) result[rel] = "link -> " + target;
            else if (Directory.Exists(path)) result[rel] = $"dir {File.GetUnixFileMode(path)}";
            else result[rel] = $"file {info.Length} {File.GetUnixFileMode(path)} {info.LastWriteTimeUtc.Ticks} {ModelBundle.ModelBundleFolder.ComputeSha256(path)}";
        }
        return result;
    }
}
