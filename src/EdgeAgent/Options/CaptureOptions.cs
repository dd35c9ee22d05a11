namespace EdgeToolkit.EdgeAgent.Options;

/// <summary>
/// Frame capture for the next dataset (<c>EdgeAgent:Capture</c>): frames chosen by rule are saved as
/// <c>&lt;Folder&gt;/&lt;predicted label&gt;/&lt;time&gt;-&lt;sequence&gt;.jpg</c> plus one line each in
/// <c>&lt;Folder&gt;/captures.jsonl</c>. Off while <see cref="Folder"/> is empty.
/// </summary>
public sealed class CaptureOptions
{
    /// <summary>The capture root (image-folder layout: one sub-folder per predicted label); empty = off.</summary>
    public string? Folder { get; set; }

    /// <summary>Save every Nth frame (by source sequence number); 0 = off.</summary>
    public int EveryNthFrame { get; set; }

    /// <summary>Save frames whose top-1 probability is below this (0 to 1); 0 = off.</summary>
    public double BelowProbability { get; set; }

    /// <summary>Save frames whose top-1 label is one of these.</summary>
    public List<string> Labels { get; set; } = [];

    /// <summary>Disk budget in megabytes: the oldest captures are deleted to stay under it (a ring).</summary>
    public double BudgetMegabytes { get; set; } = 512;

    /// <summary>Captures waiting for the disk; when full, new captures are dropped and counted (inference never waits).</summary>
    public int QueueCapacity { get; set; } = 16;

    /// <summary>JPEG quality for frames that did not come as JPEG (raw RGB/YUYV); JPEG frames are saved as they came.</summary>
    public int JpegQuality { get; set; } = 90;
}
