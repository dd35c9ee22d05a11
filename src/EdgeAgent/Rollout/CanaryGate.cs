using System.Globalization;
using System.Net.Http;
using System.Text.Json;
using EdgeToolkit.EdgeAgent.Telemetry;

namespace EdgeToolkit.EdgeAgent.Rollout;

/// <summary>
/// The canary gate of a rollout, one implementation for the fleet playbook and <c>edgekit deploy</c> (both run
/// <c>EdgeAgent --canary-gate</c> on the device): read the agent's status before the update (the baseline), and after
/// it soak, wait for enough frames of the new model, then <see cref="Compare"/> its recent figures with the baseline.
/// </summary>
public static class CanaryGate
{
    /// <summary>
    /// Reads the status the agent at <paramref name="url"/> serves; null (with why) when it does not answer.
    /// 503 answers carry the status too (an agent without a model or frames).
    /// </summary>
    public static async Task<(AgentStatus? Status, string? Error)> ReadStatusAsync(HttpClient http, Uri url, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(http);
        try
        {
            using var response = await http.GetAsync(url, ct).ConfigureAwait(false);
            string body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            return (JsonSerializer.Deserialize(body, StatusReporter.StatusJson.AgentStatus), null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException && !ct.IsCancellationRequested)
        {
            return (null, $"{url} did not answer with a status ({e.GetType().Name}: {e.Message})");
        }
    }

    /// <summary>The baseline a status gives: itself when the agent is healthy and has recent figures, otherwise null.</summary>
    public static AgentStatus? Baseline(AgentStatus? status) => status is { Healthy: true, Recent: not null } ? status : null;

    /// <summary>
    /// After an update: soaks, then reads the status until it shows <see cref="CanaryGateOptions.MinFrames"/> frames of
    /// the new model (or the wait ends), and compares it with <paramref name="before"/>. Returns the failures (empty:
    /// the gate passed) and the last status read.
    /// </summary>
    public static async Task<(IReadOnlyList<string> Failures, AgentStatus? After)> CheckAsync(
        HttpClient http, AgentStatus? before, CanaryGateOptions options, TimeSpan poll, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.SoakSeconds > 0) await Task.Delay(TimeSpan.FromSeconds(options.SoakSeconds), ct).ConfigureAwait(false);
        var deadline = DateTime.UtcNow.AddSeconds(options.WaitSeconds);
        AgentStatus? after;
        string? error;
        while (true)
        {
            (after, error) = await ReadStatusAsync(http, options.HealthUrl, ct).ConfigureAwait(false);
            if ((after is not null && ServesEnoughFrames(after, options)) || DateTime.UtcNow >= deadline) break;
            await Task.Delay(poll, ct).ConfigureAwait(false);
        }
        if (after is null) return (new[] { $"the agent's health endpoint {error}" }, null);
        return (Compare(before, after, options), after);
    }

    /// <summary>
    /// The comparison: the figures <paramref name="after"/> the update against <paramref name="before"/> it (null: no
    /// baseline, only the absolute checks). Each failure names the figure, both values and the limit's setting.
    /// </summary>
    public static IReadOnlyList<string> Compare(AgentStatus? before, AgentStatus after, CanaryGateOptions options)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var r = after.Recent;
        var b = before?.Recent;
        if (after.ModelError is not null) failures.Add($"modelError: {after.ModelError}");
        if (options.Sha256 is not null && after.Model?.Sha256 != options.Sha256)
        {
            failures.Add($"the agent serves model {(after.Model is { } m ? m.Sha256[..Math.Min(12, m.Sha256.Length)] : "none")}, not the new one {options.Sha256[..12]}");
            return failures;
        }
        if (!ServesEnoughFrames(after, options))
        {
            failures.Add(F($"the new model classified {(r?.ModelGeneration == after.Model?.Generation ? r?.Frames ?? 0 : 0)} frames within {options.WaitSeconds:0} s, fewer than {options.Setting("min-frames")} {options.MinFrames}"));
            return failures;
        }
        if (!after.Healthy) failures.Add("the agent reports healthy=false");
        if (r!.MeanTop1Probability < options.Top1Min)
            failures.Add(F($"mean top-1 probability {r.MeanTop1Probability:0.000} is below {options.Setting("top1-min")} {options.Top1Min:0.000}"));
        if (b is null) return failures;
        double pct = options.P95IncreasePercent, slack = options.P95SlackMs;
        foreach (var (name, now, then) in new[] { ("total p95", r.TotalP95Ms, b.TotalP95Ms), ("inference p95", r.InferenceP95Ms, b.InferenceP95Ms) })
        {
            if (name == "total p95" && options.P95Figures == GatedP95.Inference) continue;
            if (now > then * (1 + pct / 100) + slack)
                failures.Add(F($"{name} {now:0.000} ms is {(now / Math.Max(then, 0.001) - 1) * 100:0}% above the {then:0.000} ms before the update (limit +{pct:0}% + {slack:0.0} ms, {options.Setting("p95-increase-percent")})"));
        }
        if (r.MeanTop1Probability < b.MeanTop1Probability - options.Top1Drop)
            failures.Add(F($"mean top-1 probability {r.MeanTop1Probability:0.000} fell by {b.MeanTop1Probability - r.MeanTop1Probability:0.000} from {b.MeanTop1Probability:0.000} before the update (limit {options.Top1Drop:0.000}, {options.Setting("top1-drop")})"));
        // A baseline of 0 frames/s comes from an agent that did not measure it: nothing to compare.
        if (b.FramesPerSecond > 0 && r.FramesPerSecond < b.FramesPerSecond * (1 - options.FpsDropPercent / 100))
            failures.Add(F($"frames/s {r.FramesPerSecond:0.0} is {(1 - r.FramesPerSecond / b.FramesPerSecond) * 100:0}% below the {b.FramesPerSecond:0.0} before the update (limit -{options.FpsDropPercent:0}%, {options.Setting("fps-drop-percent")})"));
        if (r.BadFrameRate > b.BadFrameRate + options.BadRateIncrease)
            failures.Add(F($"bad-frame rate {r.BadFrameRate:0.000} rose by {r.BadFrameRate - b.BadFrameRate:0.000} from {b.BadFrameRate:0.000} before the update (limit {options.BadRateIncrease:0.000}, {options.Setting("bad-rate-increase")})"));
        return failures;
    }

    /// <summary>One line with the figures after (and before) the update, for a gate that passed.</summary>
    public static string Summary(AgentStatus? before, AgentStatus after)
    {
        ArgumentNullException.ThrowIfNull(after);
        static string Figures(RecentFrames r) => F($"total p95 {r.TotalP95Ms:0.###} ms, inference p95 {r.InferenceP95Ms:0.###} ms, mean top-1 probability {r.MeanTop1Probability:0.###}, {r.FramesPerSecond:0.#} frames/s, bad-frame rate {r.BadFrameRate:0.###}");
        var r = after.Recent!;
        return $"{r.Frames} frames of model {after.Model?.Sha256[..12]}: {Figures(r)}"
            + (before?.Recent is { } b ? $" (before: {Figures(b)})" : " (no baseline: the agent was not serving before)");
    }

    private static bool ServesEnoughFrames(AgentStatus s, CanaryGateOptions o) =>
        s.Recent is { } r && s.Model is { } m && r.ModelGeneration == m.Generation && r.Frames >= o.MinFrames
        && (o.Sha256 is null || m.Sha256 == o.Sha256);

    private static string F(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
