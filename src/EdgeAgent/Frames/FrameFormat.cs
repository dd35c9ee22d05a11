namespace EdgeToolkit.EdgeAgent.Frames;

/// <summary>How the bytes of a <see cref="Frame"/> are laid out.</summary>
public enum FrameFormat
{
    /// <summary>An encoded image file (JPEG, PNG or BMP); size comes from its header.</summary>
    Encoded,

    /// <summary>Packed YUV 4:2:2 (Y0 U Y1 V), <see cref="Frame.Width"/> x <see cref="Frame.Height"/>.</summary>
    Yuyv,

    /// <summary>8-bit RGB, 3 bytes per pixel, row-major.</summary>
    Rgb24,
}
