using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace EdgeToolkit.EdgeAgent.Hosting;

/// <summary>Builds the agent's host: configuration sources, validated options, systemd integration, telemetry and the worker (or the bench).</summary>
public static class AgentHost
{
    /// <summary>The machine-wide settings file, read after the shipped appsettings.json.</summary>
    public const string SystemSettingsFile = "/etc/edgeagent/appsettings.json";

    /// <summary>
    /// Creates the builder. Configuration, later wins: appsettings.json beside the executable,
    /// /etc/edgeagent/appsettings.json, environment (<c>EDGEAGENT__Source__Kind=...</c>), command line
    /// (<c>--EdgeAgent:Source:Kind=...</c>). With <paramref name="bench"/> the bench runs instead of the
    /// worker and no network listener is opened.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(string[] args, BenchRequest? bench = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        var config = builder.Configuration;
        config.Sources.Clear();
        config.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false)
            .AddJsonFile(SystemSettingsFile, optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddCommandLine(args);

        var services = builder.Services;
        services.AddSystemd();
        // A wrapper between systemd and the agent hides systemd as parent; NOTIFY_SOCKET still says Type=notify.
        if (!SystemdHelpers.IsSystemdService() && !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NOTIFY_SOCKET")) && bench is null)
        {
            services.AddSingleton<ISystemdNotifier, SystemdNotifier>();
            services.AddSingleton<IHostLifetime, SystemdLifetime>();
        }
        services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(4));

        services.AddOptions<AgentOptions>().Bind(config.GetSection(AgentOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AgentOptions>, AgentOptionsValidator>();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<AgentOptions>>().Value);
        services.AddSingleton<AgentMetrics>();
        services.AddSingleton<ModelHost>();
        services.AddSingleton<StatusReporter>();
        services.AddSingleton<SystemdWatchdog>();

        var snapshot = new AgentOptions();
        config.GetSection(AgentOptions.SectionName).Bind(snapshot);
        var metricsOptions = snapshot.Metrics;
        bool prometheus = bench is null && metricsOptions.PrometheusEnabled;
        bool otlp = !string.IsNullOrWhiteSpace(metricsOptions.OtlpEndpoint) && Uri.TryCreate(metricsOptions.OtlpEndpoint, UriKind.Absolute, out _);
        if (prometheus || otlp)
        {
            services.AddOpenTelemetry().WithMetrics(m =>
            {
                m.AddMeter(AgentMetrics.MeterName);
                if (prometheus)
                    m.AddPrometheusHttpListener(o =>
                    {
                        o.Host = metricsOptions.PrometheusHost;
                        o.Port = metricsOptions.PrometheusPort;
                    });
                if (otlp) m.AddOtlpExporter(o => o.Endpoint = new Uri(metricsOptions.OtlpEndpoint!));
            });
        }

        if (bench is not null)
        {
            services.AddSingleton(bench);
            services.AddHostedService<BenchRunner>();
        }
        else
        {
            services.AddHostedService<AgentWorker>();
            if (metricsOptions.HealthEnabled) services.AddHostedService<HealthEndpoint>();
        }
        return builder;
    }
}
