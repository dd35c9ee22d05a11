namespace EdgeToolkit.Compression.Passes;

/// <summary>What an artefact folder holds.</summary>
public enum ArtefactKind
{
    /// <summary>A TorchSharp checkpoint folder (<c>model.bin</c> + <c>spec.json</c>).</summary>
    Checkpoint,

    /// <summary>An ONNX model bundle folder (<c>model.onnx</c> + <c>manifest.json</c>).</summary>
    OnnxBundle,
}
