using System.CommandLine;
using System.Globalization;
using EdgeToolkit.Compression.Passes;

namespace EdgeToolkit.EdgeKit.Console;

/// <summary>Command-line options bound from a pass's setting declarations (the recipe reader binds from the same ones).</summary>
public static class SettingOption
{
    /// <summary>An option for <paramref name="setting"/>: its name, help, default and range check (the error names the option).</summary>
    public static Option<double> Create(NumberSetting setting)
    {
        ArgumentNullException.ThrowIfNull(setting);
        var option = new Option<double>(setting.CliName)
        {
            Description = string.Create(CultureInfo.InvariantCulture, $"{setting.Help} (in [{setting.Min}, {setting.Max}])"),
            DefaultValueFactory = _ => setting.Default,
        };
        option.Validators.Add(result =>
        {
            double value = result.GetValueOrDefault<double>();
            if (!setting.Accepts(value))
                result.AddError($"{setting.CliName} {setting.Problem(value)}.");
        });
        return option;
    }
}
