using System.CommandLine;
using System.Text.RegularExpressions;

namespace EdgeToolkit.EdgeKit.Commands;

/// <summary>
/// <c>edgekit pull-captures --host user@device --out folder</c>: fetches the agent's capture folder
/// (<c>EdgeAgent:Capture:Folder</c>) over ssh with the transport <c>edgekit deploy</c> uses (scp, key login,
/// BatchMode), into a temporary folder inside <c>--out</c>, then adds only the captures not already there: a
/// capture a person has moved to another label folder is recognised by its name and not fetched again. New
/// index lines are appended to <c>&lt;out&gt;/captures.jsonl</c>.
/// </summary>
public static partial class PullCapturesCommand
{
    /// <summary>Where the agent's deb/tarball install keeps captures when configured as in docs/agent.md.</summary>
    public const string DefaultRemote = "/var/lib/edgeagent/captures";

    private const string IndexFile = "captures.jsonl";

    /// <summary>Creates the <c>pull-captures</c> verb.</summary>
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "ssh destination, user@device", Required = true };
        var remote = new Option<string>("--remote") { Description = "the capture folder on the device (EdgeAgent:Capture:Folder)", DefaultValueFactory = _ => DefaultRemote };
        var output = new Option<string>("--out") { Description = "local image folder to add the captures to (one sub-folder per label)", Required = true };
        var port = new Option<int>("--port") { Description = "ssh port", DefaultValueFactory = _ => 22 };
        var identity = new Option<string?>("--identity", "-i") { Description = "ssh private key file" };
        var ssh = new Option<string>("--ssh") { Description = "ssh program", DefaultValueFactory = _ => "ssh" };
        var scp = new Option<string>("--scp") { Description = "scp program", DefaultValueFactory = _ => "scp" };
        var dryRun = new Option<bool>("--dry-run") { Description = "print the commands that would run, run nothing" };
        var command = new Command("pull-captures", "Fetch the frames an agent captured (EdgeAgent:Capture) over ssh into a local image folder for relabelling and training.")
        {
            host, remote, output, port, identity, ssh, scp, dryRun,
        };
        command.SetAction(parse =>
        {
            TextWriter stdout = parse.InvocationConfiguration.Output;
            TextWriter stderr = parse.InvocationConfiguration.Error;
            try
            {
                return Run(parse.GetValue(host)!, parse.GetValue(remote)!, parse.GetValue(output)!, parse.GetValue(port), parse.GetValue(identity),
                    parse.GetValue(ssh)!, parse.GetValue(scp)!, parse.GetValue(dryRun), stdout, stderr);
            }
            catch (ArgumentException e)
            {
                stderr.WriteLine($"error: {e.Message}");
                return DeployCommand.ExitUsage;
            }
        });
        return command;
    }

    private static int Run(string host, string remote, string output, int port, string? identity, string ssh, string scp, bool dryRun, TextWriter stdout, TextWriter stderr)
    {
        if (!DeployCommand.IsValidHost(host))
            throw new ArgumentException($"--host '{host}': expected user@host or host (letters, digits, . _ - and an IPv6 address in brackets)");
        remote = remote.TrimEnd('/');
        if (!remote.StartsWith('/') || !DeployCommand.IsShellSafe(remote) || remote.Split('/').Any(p => p is "." or ".."))
            throw new ArgumentException($"--remote '{remote}': expected an absolute path of letters, digits and . _ - / (no . or .. parts)");
        if (port is < 1 or > 65535) throw new ArgumentException($"--port {port}: expected 1..65535");
        if (identity is not null && !File.Exists(identity)) throw new ArgumentException($"--identity '{identity}': file not found");
        string outFull = Path.GetFullPath(output);
        if (File.Exists(outFull)) throw new ArgumentException($"--out '{output}': is a file, expected a folder");

        string? sshPath = dryRun ? ssh : DeployCommand.ResolveProgram(ssh);
        string? scpPath = dryRun ? scp : DeployCommand.ResolveProgram(scp);
        if (sshPath is null || scpPath is null)
        {
            stderr.WriteLine($"error: {(sshPath is null ? ssh : scp)} not found on PATH; install the OpenSSH client (Debian: apt-get install openssh-client) or pass --ssh/--scp");
            return DeployCommand.ExitUsage;
        }
        string incoming = Path.Combine(outFull, $".pull-{Guid.NewGuid():N}");
        string[] probe = [sshPath, .. DeployCommand.SshOptions(port, identity), host, "test", "-d", remote];
        string[] copy = [scpPath, "-q", "-r", "-p", .. DeployCommand.ScpOptions(port, identity), $"{host}:{remote}", incoming + "/"];
        if (dryRun)
        {
            stdout.WriteLine($"# check ssh access and the capture folder\n+ {DeployCommand.ShellQuote(probe)}");
            stdout.WriteLine($"# copy\n+ {DeployCommand.ShellQuote(copy)}");
            return 0;
        }

        stdout.WriteLine($"==> check ssh access and the capture folder: {DeployCommand.ShellQuote(probe)}");
        stdout.Flush();
        int code = DeployCommand.Execute(probe, captureLastLine: false, out _, stderr);
        if (code != 0)
        {
            stderr.WriteLine($"error: cannot reach {host} over ssh (port {port}) or {remote} is not a folder there (exit {code})");
            return DeployCommand.ExitUnreachable;
        }
        Directory.CreateDirectory(incoming);
        try
        {
            stdout.WriteLine($"==> copy: {DeployCommand.ShellQuote(copy)}");
            stdout.Flush();
            code = DeployCommand.Execute(copy, captureLastLine: false, out _, stderr);
            if (code != 0)
            {
                stderr.WriteLine($"error: scp from {host}:{remote} failed with exit code {code}");
                return code;
            }
            var (added, known) = Merge(Path.Combine(incoming, Path.GetFileName(remote)), outFull);
            stdout.WriteLine($"pulled {added} new capture(s) into {outFull} ({known} already there or relabelled)");
            return 0;
        }
        finally
        {
            Directory.Delete(incoming, recursive: true); // made by this run, never anything else
        }
    }

    /// <summary>
    /// Moves the captures under <paramref name="fetched"/> into <paramref name="output"/> (same label folder) unless a file
    /// of that name is already in any label folder there; appends their index lines. Returns (added, already there).
    /// </summary>
    internal static (int Added, int Known) Merge(string fetched, string output)
    {
        if (!Directory.Exists(fetched)) throw new ArgumentException($"the copy has no folder {fetched}");
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (string dir in Directory.EnumerateDirectories(output).Where(d => !Path.GetFileName(d).StartsWith('.')))
            foreach (string file in Directory.EnumerateFiles(dir))
                present.Add(Path.GetFileName(file));
        var addedFiles = new HashSet<string>(StringComparer.Ordinal);
        int known = 0;
        foreach (string dir in Directory.EnumerateDirectories(fetched))
        {
            string label = Path.GetFileName(dir);
            if (label.StartsWith('.')) continue;
            foreach (string file in Directory.EnumerateFiles(dir))
            {
                string name = Path.GetFileName(file);
                if (!CaptureName().IsMatch(name)) continue; // temp files and anything not written by the agent
                if (present.Contains(name)) { known++; continue; }
                string target = Path.Combine(output, label);
                Directory.CreateDirectory(target);
                File.Move(file, Path.Combine(target, name));
                addedFiles.Add($"{label}/{name}");
            }
        }
        var lines = new List<string>();
        foreach (string index in new[] { "captures.1.jsonl", IndexFile })
        {
            string path = Path.Combine(fetched, index);
            if (!File.Exists(path)) continue;
            foreach (string line in File.ReadLines(path))
            {
                string? file;
                try
                {
                    using var doc = System.Text.Json.JsonDocument.Parse(line);
                    file = doc.RootElement.TryGetProperty("file", out var f) ? f.GetString() : null;
                }
                catch (System.Text.Json.JsonException) { continue; } // a line cut by a power loss on the device
                if (file is not null && addedFiles.Contains(file)) lines.Add(line);
            }
        }
        if (lines.Count > 0) File.AppendAllLines(Path.Combine(output, IndexFile), lines);
        return (addedFiles.Count, known);
    }

    [GeneratedRegex(@"^\d{8}T\d{6}\.\d{3}Z-\d{8,}\.(jpg|png|bmp)$")]
    private static partial Regex CaptureName();
}
