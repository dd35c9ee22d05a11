using System.CommandLine;
using EdgeToolkit.EdgeKit.Commands;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>
/// The options that point a latency table at a device over ssh (<see cref="SshLatencyRunner"/>), declared once for
/// <c>edgekit latency-table</c> (<c>--host</c>, <c>--port</c>, <c>--identity</c>, <c>--agent</c>) and <c>edgekit prune</c>
/// (the same with the prefix <c>latency-</c>); <c>--ssh</c>/<c>--scp</c> as <c>edgekit deploy</c>.
/// </summary>
public sealed class SshLatencyOptions
{
    /// <summary>Declares the options; <paramref name="prefix"/> goes before each device option's name (e.g. <c>latency-</c>).</summary>
    public SshLatencyOptions(string prefix)
    {
        Prefix = prefix ?? throw new ArgumentNullException(nameof(prefix));
        Host = new Option<string?>($"--{prefix}host") { Description = "Measure the latency table on this device over ssh (user@device, key login as for edgekit deploy; the agent installed there times the layers). Default: this host" };
        Port = new Option<int>($"--{prefix}port") { Description = "ssh port of the device", DefaultValueFactory = _ => 22 };
        Identity = new Option<string?>($"--{prefix}identity") { Description = "ssh private key file for the device" };
        Agent = new Option<string>($"--{prefix}agent") { Description = "The agent executable on the device (EdgeAgent --time-models)", DefaultValueFactory = _ => SshLatencySettings.DefaultAgent };
        Ssh = new Option<string>("--ssh") { Description = "ssh program", DefaultValueFactory = _ => "ssh" };
        Scp = new Option<string>("--scp") { Description = "scp program", DefaultValueFactory = _ => "scp" };
    }

    /// <summary>The prefix of the device options.</summary>
    public string Prefix { get; }

    /// <summary><c>--[prefix]host</c>.</summary>
    public Option<string?> Host { get; }

    /// <summary><c>--[prefix]port</c>.</summary>
    public Option<int> Port { get; }

    /// <summary><c>--[prefix]identity</c>.</summary>
    public Option<string?> Identity { get; }

    /// <summary><c>--[prefix]agent</c>.</summary>
    public Option<string> Agent { get; }

    /// <summary><c>--ssh</c>.</summary>
    public Option<string> Ssh { get; }

    /// <summary><c>--scp</c>.</summary>
    public Option<string> Scp { get; }

    /// <summary>Every option, to add to a verb.</summary>
    public IEnumerable<Option> All => [Host, Port, Identity, Agent, Ssh, Scp];

    /// <summary>The device settings when <c>--[prefix]host</c> was given; null for this host.</summary>
    public SshLatencySettings? Settings(ParseResult parse, int threads, int runs, int warmup)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Host) is not { } host ? null : new SshLatencySettings(host)
        {
            Port = parse.GetValue(Port),
            Identity = parse.GetValue(Identity),
            Agent = parse.GetValue(Agent)!,
            Ssh = parse.GetValue(Ssh)!,
            Scp = parse.GetValue(Scp)!,
            Threads = threads,
            Runs = runs,
            Warmup = warmup,
        }.Validate(Prefix);
    }
}
