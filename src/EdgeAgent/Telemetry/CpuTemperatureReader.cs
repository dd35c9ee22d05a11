using System.Globalization;

namespace EdgeToolkit.EdgeAgent.Telemetry;

/// <summary>
/// CPU temperature in °C: Iot.Device.CpuTemperature where it reports one (Raspberry Pi, most SBCs),
/// else the first readable <c>/sys/class/thermal/thermal_zone*/temp</c>; null when neither exists.
/// </summary>
public sealed class CpuTemperatureReader : IDisposable
{
    private readonly Iot.Device.CpuTemperature.CpuTemperature? binding;
    private readonly string? sysfsFile;

    /// <summary>Probes the binding and the thermal zones once.</summary>
    public CpuTemperatureReader(string thermalRoot = "/sys/class/thermal")
    {
        try
        {
            var b = new Iot.Device.CpuTemperature.CpuTemperature();
            if (b.IsAvailable) binding = b; else b.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException or InvalidOperationException)
        {
            binding = null;
        }
        if (binding is null && Directory.Exists(thermalRoot))
            sysfsFile = Directory.EnumerateDirectories(thermalRoot, "thermal_zone*").Order(StringComparer.Ordinal)
                .Select(d => Path.Combine(d, "temp")).FirstOrDefault(f => ReadSysfs(f) is not null);
    }

    /// <summary>The current temperature in °C, or null when unknown.</summary>
    public double? Read()
    {
        try
        {
            if (binding is not null)
            {
                double c = binding.Temperature.DegreesCelsius;
                return double.IsFinite(c) ? Math.Round(c, 1) : null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
        {
            return null;
        }
        return sysfsFile is null ? null : ReadSysfs(sysfsFile);
    }

    /// <summary>Parses a sysfs thermal file (millidegrees Celsius).</summary>
    public static double? ReadSysfs(string file)
    {
        try
        {
            string text = File.ReadAllText(file).Trim();
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double milli) ? Math.Round(milli / 1000.0, 1) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Disposes the binding.</summary>
    public void Dispose() => binding?.Dispose();
}
