namespace EdgeToolkit.Compression.Pruning;

/// <summary>What a gradual pruning schedule spaces its steps evenly in.</summary>
public enum ScheduleUnit
{
    /// <summary>Channels: each step removes the same share of every layer's channels (uniform alpha steps 1.0 -> 0.875 -> 0.75 ...).</summary>
    Channels,

    /// <summary>MACs: each step removes the same number of multiply-accumulates.</summary>
    Macs,
}
