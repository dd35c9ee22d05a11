namespace EdgeToolkit.EdgeAgent.Processing;

/// <summary>Softmax and top-k over logits.</summary>
public static class TopK
{
    /// <summary>Returns the k most probable classes (index, probability), most probable first; softmax is numerically stable.</summary>
    public static (int[] Indices, float[] Probabilities) Compute(ReadOnlySpan<float> logits, int k)
    {
        k = Math.Min(k, logits.Length);
        float max = float.NegativeInfinity;
        foreach (float v in logits) if (v > max) max = v;
        double sum = 0;
        foreach (float v in logits) sum += Math.Exp(v - max);
        var idx = new int[k];
        var prob = new float[k];
        Array.Fill(idx, -1);
        Array.Fill(prob, -1f);
        for (int i = 0; i < logits.Length; i++)
        {
            float p = (float)(Math.Exp(logits[i] - max) / sum);
            if (p <= prob[k - 1]) continue;
            int j = k - 1;
            while (j > 0 && prob[j - 1] < p)
            {
                prob[j] = prob[j - 1];
                idx[j] = idx[j - 1];
                j--;
            }
            prob[j] = p;
            idx[j] = i;
        }
        return (idx, prob);
    }
}
