using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Onnx;

namespace EdgeToolkit.Compression.Quantization;

/// <summary>
/// Runs calibration data through ONNX Runtime and collects statistics of chosen tensors: a copy of
/// the model is augmented so that every tensor of interest is also a graph output.
/// </summary>
public static class ActivationCalibrator
{
    /// <summary>
    /// Runs up to <see cref="QuantizationOptions.CalibrationCount"/> samples from <paramref name="batches"/>
    /// through <paramref name="model"/> and returns one collector per name in <paramref name="tensorNames"/>.
    /// The model must have exactly one graph input (not counting initializers); batches larger than a fixed
    /// batch dimension are split.
    /// </summary>
    public static IReadOnlyDictionary<string, TensorRangeCollector> Collect(
        ModelProto model,
        IReadOnlyCollection<string> tensorNames,
        IEnumerable<CalibrationBatch> batches,
        QuantizationOptions options,
        IProgress<CalibrationProgress>? progress = null)
    {
        options.Validate();
        var augmented = model.Clone();
        var graph = augmented.Graph;
        var initializerNames = graph.Initializer.Select(t => t.Name).ToHashSet();
        var inputs = graph.Input.Where(i => !initializerNames.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
            throw new QuantizationException($"the model has {inputs.Count} graph inputs ({string.Join(", ", inputs.Select(i => i.Name))}); calibration supports exactly one image input");
        var existing = graph.Output.Select(o => o.Name).ToHashSet();
        foreach (string name in tensorNames)
        {
            if (existing.Add(name))
                graph.Output.Add(new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = OnnxTensors.FloatType } } });
        }

        int bins = options.Method == CalibrationMethod.MinMax ? 0 : options.HistogramBins;
        var collectors = tensorNames.ToDictionary(n => n, n => new TensorRangeCollector(n, bins));
        if (collectors.Count == 0) return collectors;
        string[] outputNames = collectors.Keys.ToArray();
        RunSamples(augmented, outputNames, batches, options.CalibrationCount, int.MaxValue, results =>
        {
            for (int i = 0; i < outputNames.Length; i++)
                collectors[outputNames[i]].Add(results[i].GetTensorDataAsSpan<float>());
        }, seen => progress?.Report(new CalibrationProgress(seen, options.CalibrationCount, options.Method)));
        return collectors;
    }

    /// <summary>
    /// Runs up to <paramref name="count"/> samples of <paramref name="batches"/> through <paramref name="model"/>
    /// (one image input) in chunks of at most <paramref name="maxChunk"/> (or the model's fixed batch size), and
    /// hands the values of <paramref name="outputNames"/> of each chunk to <paramref name="onResults"/>.
    /// Returns the number of samples run.
    /// </summary>
    internal static int RunSamples(ModelProto model, string[] outputNames, IEnumerable<CalibrationBatch> batches, int count, int maxChunk,
        Action<IDisposableReadOnlyCollection<OrtValue>> onResults, Action<int>? afterBatch = null)
    {
        var initializerNames = model.Graph.Initializer.Select(t => t.Name).ToHashSet();
        string inputName = model.Graph.Input.First(i => !initializerNames.Contains(i.Name)).Name;
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC };
        InferenceSession session;
        try
        {
            session = new InferenceSession(model.ToByteArray(), sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new QuantizationException($"ONNX Runtime cannot load the calibration model: {e.Message}", e);
        }
        using (session)
        {
            int[] dims = session.InputMetadata[inputName].Dimensions;
            int fixedBatch = dims.Length > 0 && dims[0] > 0 ? dims[0] : 0;
            int seen = 0, batchIndex = 0;
            using var runOptions = new RunOptions();
            foreach (var batch in batches)
            {
                batch.Validate(batchIndex);
                CheckShape(batch, dims, inputName, batchIndex);
                int take = Math.Min(batch.Count, count - seen);
                int chunk = fixedBatch > 0 ? fixedBatch : Math.Min(take, maxChunk);
                long sampleSize = batch.Data.LongLength / batch.Count;
                for (int start = 0; chunk > 0 && start < take; start += chunk)
                {
                    int n = Math.Min(chunk, take - start);
                    if (n < chunk && fixedBatch > 0) break;
                    long[] shape = (long[])batch.Shape.Clone();
                    shape[0] = n;
                    var memory = new Memory<float>(batch.Data, (int)(start * sampleSize), (int)(n * sampleSize));
                    using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, memory, shape);
                    using var results = session.Run(runOptions, [inputName], [input], outputNames);
                    onResults(results);
                    seen += n;
                }
                batchIndex++;
                afterBatch?.Invoke(seen);
                if (seen >= count) break;
            }
            if (seen == 0)
                throw new QuantizationException($"no calibration samples were run (batches given: {batchIndex}); the calibration data is empty or smaller than the model's fixed batch size {fixedBatch}");
            return seen;
        }
    }

    private static void CheckShape(CalibrationBatch batch, int[] dims, string inputName, int index)
    {
        if (batch.Shape.Length != dims.Length)
            throw new QuantizationException($"calibration batch {index}: shape [{string.Join(", ", batch.Shape)}] has rank {batch.Shape.Length}, but model input '{inputName}' has rank {dims.Length}");
        for (int d = 1; d < dims.Length; d++)
        {
            if (dims[d] > 0 && dims[d] != batch.Shape[d])
                throw new QuantizationException($"calibration batch {index}: dimension {d} is {batch.Shape[d]}, but model input '{inputName}' expects {dims[d]}");
        }
    }
}
