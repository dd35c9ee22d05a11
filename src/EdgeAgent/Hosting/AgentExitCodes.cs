namespace EdgeToolkit.EdgeAgent.Hosting;

/// <summary>
/// The agent's exit codes. The service exits 0 only when stopped or when a finite source (a file, a folder
/// without Loop) ended; an unexpected fatal error exits <see cref="Fatal"/> so systemd restarts it. Bad bundles
/// and source faults never end the service (they are refused or retried, and reported).
/// </summary>
public static class AgentExitCodes
{
    /// <summary>Stopped, or a finite source ended; <c>--bench</c> measured frames.</summary>
    public const int Ok = 0;

    /// <summary>An unexpected error ended the service or the bench (systemd restarts the service).</summary>
    public const int Fatal = 1;

    /// <summary>Invalid settings or command line (restarting cannot help: the unit's RestartPreventExitStatus); <c>--bench</c>: no model loads.</summary>
    public const int InvalidSettings = 2;

    /// <summary><c>--bench</c>: no frame was classified (every frame failed, or the source delivered none for EdgeAgent:BenchIdleSeconds).</summary>
    public const int NoFramesClassified = 3;
}
