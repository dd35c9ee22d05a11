using EdgeToolkit.ModelBundle;
using EdgeToolkit.ModelBundle.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace EdgeToolkit.EdgeAgent.Inference;

/// <summary>
/// One <see cref="InferenceSession"/> for one bundle, created once, with pre-allocated input and output
/// <see cref="OrtValue"/>s over pinned managed buffers that every run reuses (batch 1). Not thread-safe:
/// one inference thread passes a pre-allocated input (an <see cref="Processing.InputSlot"/>'s) to
/// <see cref="Run(OrtValue)"/> and reads <see cref="Output"/>; <see cref="Run()"/> runs on the runner's own input.
/// </summary>
public sealed class ModelRunner : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly float[] input;
    private readonly float[] output;
    private readonly OrtValue inputValue;
    private readonly OrtValue outputValue;
    private readonly OrtValue[] inputValues;
    private readonly OrtValue[] outputValues;
    private readonly string[] inputNames;
    private readonly string[] outputNames;
    private readonly OrtValue[] boundInput = new OrtValue[1];

    private ModelRunner(LoadedBundle bundle, ProviderSession provider)
    {
        Bundle = bundle;
        session = provider.Session;
        Provider = provider;
        var m = bundle.Manifest;
        input = GC.AllocateArray<float>(m.Channels * m.Height * m.Width, pinned: true);
        output = GC.AllocateArray<float>(m.Labels.Count, pinned: true);
        inputValue = OrtValue.CreateTensorValueFromMemory(input, [1, m.Channels, m.Height, m.Width]);
        outputValue = OrtValue.CreateTensorValueFromMemory(output, [1, m.Labels.Count]);
        inputValues = [inputValue];
        outputValues = [outputValue];
        inputNames = [m.InputName];
        outputNames = [m.OutputName];
    }

    /// <summary>The bundle this runner serves.</summary>
    public LoadedBundle Bundle { get; }

    /// <summary>The execution provider the session runs on, the one asked for, and why they differ (if they do).</summary>
    public ProviderSession Provider { get; }

    /// <summary>The logits of the last run.</summary>
    public ReadOnlySpan<float> Output => output;

    /// <summary>
    /// Creates the session for a validated bundle on <paramref name="provider"/> (the CPU when the loaded ONNX
    /// Runtime lacks it; <see cref="Provider"/> says which ran) and warms it up with <paramref name="warmupRuns"/>
    /// runs on a zero input; throws <see cref="BundleException"/> naming the model when ONNX Runtime refuses it.
    /// </summary>
    public static ModelRunner Load(LoadedBundle bundle, int intraOpThreads, int warmupRuns = 3,
        ExecutionProvider provider = ExecutionProvider.Cpu, ExecutionProviderOptions? providerOptions = null, bool memoryArena = true)
    {
        ProviderSession created;
        try
        {
            created = ExecutionProviderSelector.CreateSession(bundle.ModelPath, () =>
            {
                var options = new SessionOptions
                {
                    GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
                    ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                    InterOpNumThreads = 1,
                    EnableCpuMemArena = memoryArena,
                    EnableMemoryPattern = memoryArena,
                };
                if (intraOpThreads > 0) options.IntraOpNumThreads = intraOpThreads;
                return options;
            }, provider, providerOptions ?? new ExecutionProviderOptions());
        }
        catch (OnnxRuntimeException e)
        {
            throw new BundleException($"{bundle.ModelPath}: ONNX Runtime cannot create a session: {e.Message}", e);
        }
        try
        {
            ModelBundleFolder.CheckAgainstSession(bundle.Manifest, created.Session, bundle.ModelPath);
        }
        catch (BundleException)
        {
            created.Session.Dispose();
            throw;
        }
        var runner = new ModelRunner(bundle, created);
        try
        {
            for (int i = 0; i < warmupRuns; i++) runner.Run();
            if (runner.output.Any(float.IsNaN))
                throw new BundleException($"{bundle.ModelPath}: warm-up produced NaN logits");
        }
        catch (OnnxRuntimeException e)
        {
            runner.Dispose();
            throw new BundleException($"{bundle.ModelPath}: warm-up run failed: {e.Message}", e);
        }
        catch
        {
            runner.Dispose();
            throw;
        }
        return runner;
    }

    /// <summary>Runs the model on the runner's own zero-filled input, filling <see cref="Output"/> (the bench's bare-run measurement).</summary>
    public void Run() => session.Run(runOptions, inputNames, inputValues, outputNames, outputValues);

    /// <summary>
    /// Runs the model on <paramref name="input"/> (a pre-allocated tensor of this model's input shape, e.g. an
    /// <see cref="Processing.InputSlot"/>'s), filling <see cref="Output"/>; nothing is copied.
    /// </summary>
    public void Run(OrtValue input)
    {
        boundInput[0] = input;
        try
        {
            session.Run(runOptions, inputNames, boundInput, outputNames, outputValues);
        }
        finally
        {
            boundInput[0] = null!;
        }
    }

    /// <summary>Disposes the session and the OrtValues.</summary>
    public void Dispose()
    {
        inputValue.Dispose();
        outputValue.Dispose();
        runOptions.Dispose();
        session.Dispose();
    }
}
