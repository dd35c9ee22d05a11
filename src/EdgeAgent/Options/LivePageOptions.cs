namespace EdgeToolkit.EdgeAgent.Options;

/// <summary>The live page (<c>EdgeAgent:LivePage</c>): what the model sees, served by the agent. Off unless enabled; loopback by default.</summary>
public sealed class LivePageOptions
{
    /// <summary>Serve the page.</summary>
    public bool Enabled { get; set; }

    /// <summary>Host name the page's listener binds to.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>Listener port (the page is <c>http://host:port/</c>).</summary>
    public int Port { get; set; } = 9466;

    /// <summary>How often the page polls and how often a frame is copied for it while a client is connected (0.2 to 10).</summary>
    public double UpdatesPerSecond { get; set; } = 4;
}
