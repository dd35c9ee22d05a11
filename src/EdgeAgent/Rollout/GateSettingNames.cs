namespace EdgeToolkit.EdgeAgent.Rollout;

/// <summary>How a canary gate report names the limit a figure broke: as the caller's user set it.</summary>
public enum GateSettingNames
{
    /// <summary>The agent's own option, e.g. <c>--top1-drop</c>.</summary>
    Agent,

    /// <summary>The fleet playbook's variable, e.g. <c>edgeagent_gate_top1_drop</c>.</summary>
    Ansible,

    /// <summary><c>edgekit deploy</c>'s option, e.g. <c>--gate top1-drop</c> (it passes <c>--gate NAME=VALUE</c> through).</summary>
    Edgekit,
}
