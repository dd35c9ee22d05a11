using System.Globalization;
using System.Text.Json;
using EdgeToolkit.Compression.Passes.Options;

namespace EdgeToolkit.Compression.Passes;

/// <summary>
/// Reads typed, range-checked values from one JSON object of a recipe and names the field in every
/// error (<c>recipe.json: passes[2].options.epochs must be ...</c>). Unknown fields are errors too,
/// so a typo never silently falls back to a default.
/// </summary>
public sealed class RecipeOptionReader : IPassOptionValues
{
    private readonly JsonElement? _element;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Creates a reader over <paramref name="element"/> (null or JSON null = an empty object).</summary>
    /// <param name="file">Recipe file name used in messages.</param>
    /// <param name="path">JSON path of the object, e.g. <c>passes[2].options</c>.</param>
    /// <param name="element">The object.</param>
    public RecipeOptionReader(string file, string path, JsonElement? element)
    {
        File = file;
        Path = path;
        if (element is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } e)
        {
            if (e.ValueKind != JsonValueKind.Object)
                throw Error(path, $"must be a JSON object but is {Describe(e)}");
            _element = e;
        }
    }

    /// <summary>Recipe file name used in messages.</summary>
    public string File { get; }

    /// <summary>JSON path of the object.</summary>
    public string Path { get; }

    /// <summary>A <see cref="RecipeException"/> for a field of this object.</summary>
    public RecipeException ErrorAt(string field, string problem) => Error(FieldPath(field), problem);

    /// <summary>An optional integer in [min, max].</summary>
    public int Int(string field, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!TryGet(field, out var e)) return defaultValue;
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int v))
            throw ErrorAt(field, $"must be an integer but is {Describe(e)}");
        if (v < min || v > max)
            throw ErrorAt(field, $"must be in [{min}, {max}] but is {v}");
        return v;
    }

    /// <summary>An optional number in [min, max].</summary>
    public double Double(string field, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        if (!TryGet(field, out var e)) return defaultValue;
        double v = Number(e, FieldPath(field));
        if (v < min || v > max)
            throw ErrorAt(field, string.Create(CultureInfo.InvariantCulture, $"must be in [{min}, {max}] but is {v}"));
        return v;
    }

    /// <summary>An optional boolean.</summary>
    public bool Bool(string field, bool defaultValue)
    {
        if (!TryGet(field, out var e)) return defaultValue;
        return e.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw ErrorAt(field, $"must be true or false but is {Describe(e)}"),
        };
    }

    /// <summary>An optional string; when <paramref name="allowed"/> is given it must be one of them (case-insensitive, returned as listed).</summary>
    public string? String(string field, string? defaultValue, IReadOnlyList<string>? allowed = null)
    {
        if (!TryGet(field, out var e)) return defaultValue;
        if (e.ValueKind != JsonValueKind.String)
            throw ErrorAt(field, $"must be a string but is {Describe(e)}");
        string v = e.GetString()!;
        if (allowed is null) return v;
        return allowed.FirstOrDefault(a => string.Equals(a, v, StringComparison.OrdinalIgnoreCase))
            ?? throw ErrorAt(field, $"'{v}' is not one of {string.Join(", ", allowed)}");
    }

    /// <summary>An optional list of strings.</summary>
    public IReadOnlyList<string>? StringList(string field)
    {
        if (!TryGet(field, out var e)) return null;
        if (e.ValueKind != JsonValueKind.Array)
            throw ErrorAt(field, $"must be an array of strings but is {Describe(e)}");
        var list = new List<string>();
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                throw Error($"{FieldPath(field)}[{i}]", $"must be a string but is {Describe(item)}");
            list.Add(item.GetString()!);
            i++;
        }
        return list;
    }

    /// <summary>An optional list of numbers.</summary>
    public IReadOnlyList<double>? DoubleList(string field)
    {
        if (!TryGet(field, out var e)) return null;
        if (e.ValueKind != JsonValueKind.Array)
            throw ErrorAt(field, $"must be an array of numbers but is {Describe(e)}");
        var list = new List<double>();
        int i = 0;
        foreach (var item in e.EnumerateArray())
        {
            list.Add(Number(item, $"{FieldPath(field)}[{i}]"));
            i++;
        }
        return list;
    }

    /// <summary>A nested object (or null when absent).</summary>
    public JsonElement? Object(string field)
    {
        if (!TryGet(field, out var e)) return null;
        if (e.ValueKind != JsonValueKind.Object)
            throw ErrorAt(field, $"must be a JSON object but is {Describe(e)}");
        return e;
    }

    /// <summary>A nested array (or null when absent).</summary>
    public JsonElement? Array(string field)
    {
        if (!TryGet(field, out var e)) return null;
        if (e.ValueKind != JsonValueKind.Array)
            throw ErrorAt(field, $"must be a JSON array but is {Describe(e)}");
        return e;
    }

    /// <summary>The value of a declared setting in this object (its default when absent); a bad value throws naming the field.</summary>
    public T Get<T>(PassOption<T> option)
    {
        ArgumentNullException.ThrowIfNull(option);
        return option.Read(this);
    }

    /// <summary>Whether the object sets <paramref name="option"/> (to something other than null).</summary>
    public bool Has(PassOption option)
    {
        ArgumentNullException.ThrowIfNull(option);
        return _element is { } e && e.TryGetProperty(option.Key, out var value) && value.ValueKind != JsonValueKind.Null;
    }

    /// <summary>The recipe key of <paramref name="option"/>.</summary>
    public string NameOf(PassOption option)
    {
        ArgumentNullException.ThrowIfNull(option);
        return option.Key;
    }

    /// <summary>Throws for the first field of the object that no accessor asked for.</summary>
    public void RejectUnknown(string what)
    {
        if (_element is not { } e) return;
        foreach (var p in e.EnumerateObject())
        {
            if (!_read.Contains(p.Name))
                throw Error(FieldPath(p.Name), $"is not a known setting of {what} (known: {string.Join(", ", _read.Order(StringComparer.Ordinal))})");
        }
    }

    private bool TryGet(string field, out JsonElement value)
    {
        _read.Add(field);
        value = default;
        if (_element is not { } e || !e.TryGetProperty(field, out value) || value.ValueKind == JsonValueKind.Null)
            return false;
        return true;
    }

    private string FieldPath(string field) => Path.Length == 0 ? field : $"{Path}.{field}";

    private double Number(JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Number)
            throw Error(path, $"must be a number but is {Describe(e)}");
        return e.GetDouble();
    }

    private RecipeException Error(string path, string problem) => new($"{File}: {path} {problem}");

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"the string '{e.GetString()}'",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => e.GetRawText(),
    };
}
