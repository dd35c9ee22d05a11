using System.Net.Http;
using System.Text.Json;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.EdgeAgent.Telemetry;

namespace EdgeToolkit.EdgeAgent.Rollout;

/// <summary>
/// <c>EdgeAgent --canary-gate baseline|check [--option value ...]</c>, the canary gate as the fleet playbook and
/// <c>edgekit deploy</c> run it on the device (no service is started; it only reads the running agent's health endpoint):
/// <list type="bullet">
/// <item><c>baseline</c> prints the running agent's status as one JSON line when it is healthy with recent figures,
/// <c>{}</c> otherwise (exit 0), after checking the options (a wrong limit is refused before anything changes).</item>
/// <item><c>check</c> reads that line on standard input, soaks, waits for the new model's frames, compares, and prints
/// <c>gate passed: ...</c> (exit 0) or <c>canary gate: &lt;failures naming each figure&gt;</c> (exit 1).</item>
/// </list>
/// Bad options exit <see cref="AgentExitCodes.InvalidSettings"/> naming the option.
/// </summary>
public static class CanaryGateCommand
{
    /// <summary>The command line's first argument that selects this command.</summary>
    public const string Verb = "--canary-gate";

    /// <summary>Exit code of a check whose figures regressed.</summary>
    public const int Regressed = 1;

    private static readonly AgentJsonContext OneLine = new(new JsonSerializerOptions(StatusReporter.Json) { WriteIndented = false });

    /// <summary>Runs the command on <paramref name="args"/> (after <see cref="Verb"/>).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextReader input, bool inputRedirected, TextWriter output, TextWriter error, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        CanaryGateOptions options;
        AgentStatus? before = null;
        string mode = args.Count > 0 ? args[0] : "";
        try
        {
            if (mode is not ("baseline" or "check")) throw new ArgumentException($"{Verb} '{mode}': expected baseline or check");
            options = CanaryGateOptions.Parse([.. args.Skip(1)]);
            if (mode == "check" && inputRedirected)
            {
                string text = (await input.ReadToEndAsync(ct).ConfigureAwait(false)).Trim();
                before = text.Length == 0 ? null : CanaryGate.Baseline(JsonSerializer.Deserialize(text, StatusReporter.StatusJson.AgentStatus));
            }
        }
        catch (Exception e) when (e is ArgumentException or JsonException)
        {
            error.WriteLine($"EdgeAgent {Verb}: {(e is JsonException ? "standard input is not the status 'baseline' printed: " : "")}{e.Message}");
            return AgentExitCodes.InvalidSettings;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        if (mode == "baseline")
        {
            var (status, why) = await CanaryGate.ReadStatusAsync(http, options.HealthUrl, ct).ConfigureAwait(false);
            var baseline = CanaryGate.Baseline(status);
            output.WriteLine(baseline is null ? "{}" : JsonSerializer.Serialize(baseline, OneLine.AgentStatus));
            if (baseline is null)
                error.WriteLine($"EdgeAgent {Verb}: no baseline ({why ?? "the agent is not healthy or has not classified a frame yet"}); the gate will check the new model alone");
            return AgentExitCodes.Ok;
        }

        var (failures, after) = await CanaryGate.CheckAsync(http, before, options, TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        if (failures.Count > 0)
        {
            output.WriteLine($"canary gate: {string.Join("; ", failures)}");
            return Regressed;
        }
        output.WriteLine($"gate passed: {CanaryGate.Summary(before, after!)}");
        return AgentExitCodes.Ok;
    }
}
