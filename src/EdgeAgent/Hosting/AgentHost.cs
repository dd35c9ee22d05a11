using EdgeToolkit.EdgeAgent.Capture;
using EdgeToolkit.EdgeAgent.Inference;
using EdgeToolkit.EdgeAgent.Live;
using EdgeToolkit.EdgeAgent.Observation;
using EdgeToolkit.EdgeAgent.Options;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
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
        // Under systemd, one journal record per message with its priority: the systemd formatter writes
        // each message on one line with a "<N>" syslog prefix (the default formatter writes two lines
        // and no priority, so `journalctl -p warning` would show none of the agent's warnings).
        if (JournalOutput.IsConnected) builder.Logging.AddSystemdConsole(o => o.IncludeScopes = false);
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
        services.AddSingleton(sp => new AgentMetrics(sp.GetRequiredService<AgentOptions>().RecentFrames, sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.AddSingleton<ModelHost>();
        services.AddSingleton<StatusReporter>();
        services.AddSingleton<SystemdWatchdog>();

        var snapshot = new AgentOptions();
        config.GetSection(AgentOptions.SectionName).Bind(snapshot);
        var metricsOptions = snapshot.Metrics;
        bool prometheus = bench is null && metricsOptions.PrometheusEnabled;
        if (prometheus && !CanListen(metricsOptions.PrometheusHost, metricsOptions.PrometheusPort, out string? why))
        {
            // The exporter would fail the whole host; a busy metrics port must not stop inference.
            JournalOutput.WriteError($"EdgeAgent: Prometheus endpoint http://{metricsOptions.PrometheusHost}:{metricsOptions.PrometheusPort}/metrics " +
                $"cannot listen ({why}); set EdgeAgent:Metrics:PrometheusPort. Running without Prometheus export.");
            prometheus = false;
        }
        bool otlp = !string.IsNullOrWhiteSpace(metricsOptions.OtlpEndpoint) && Uri.TryCreate(metricsOptions.OtlpEndpoint, UriKind.Absolute, out _);
        if (prometheus)
        {
            services.AddSingleton<PrometheusScrape>();
            services.AddHostedService<PrometheusEndpoint>();
        }
        if (prometheus || otlp)
        {
            services.AddOpenTelemetry().WithMetrics(m =>
            {
                m.AddMeter(AgentMetrics.MeterName);
                if (prometheus) m.AddReader(sp => sp.GetRequiredService<PrometheusScrape>().Reader);
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
            AddObservers(services, snapshot);
        }
        return builder;
    }

    /// <summary>The frame observers the settings enable (live page, capture, GPIO); the worker hands them to the processor.</summary>
    private static void AddObservers(IServiceCollection services, AgentOptions snapshot)
    {
        if (snapshot.LivePage.Enabled)
        {
            services.AddSingleton(sp => new LiveView(sp.GetRequiredService<AgentOptions>().LivePage, sp.GetRequiredService<ILogger<LiveView>>()));
            services.AddSingleton<IFrameObserver>(sp => sp.GetRequiredService<LiveView>());
            services.AddHostedService<LivePageEndpoint>();
        }
        if (!string.IsNullOrWhiteSpace(snapshot.Capture.Folder))
        {
            services.AddSingleton(sp => new FrameCapture(sp.GetRequiredService<AgentOptions>().Capture, sp.GetRequiredService<ILogger<FrameCapture>>()));
            services.AddSingleton<IFrameObserver>(sp => sp.GetRequiredService<FrameCapture>());
        }
        if (snapshot.Gpio.Rules.Count > 0)
        {
            services.AddSingleton(sp => Gpio.GpioActions.Open(sp.GetRequiredService<AgentOptions>().Gpio, sp.GetRequiredService<ILogger<Gpio.GpioActions>>()));
            services.AddSingleton<IFrameObserver>(sp => sp.GetRequiredService<Gpio.GpioActions>());
        }
    }

    private static bool CanListen(string host, int port, out string? error)
    {
        error = null;
        if (port is < 1 or > 65535) return true; // validation reports it by name
        try
        {
            // The bind the endpoint will make, closed at once: a scraper connecting during the probe is reset, nothing more.
            using var probe = HttpGetServer.Listen(host, port);
            return true;
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ArgumentException)
        {
            error = e.Message;
            return false;
        }
    }
}
