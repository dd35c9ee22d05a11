using System.Diagnostics.Metrics;
using EdgeToolkit.EdgeAgent.Hosting;
using EdgeToolkit.EdgeAgent.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeToolkit.EdgeAgent.Tests;

public sealed class AgentMetricsFactoryTests
{
    [Fact]
    public void The_hosts_metrics_are_created_on_the_hosts_meter_factory_which_owns_the_meter()
    {
        var host = AgentHost.CreateBuilder(["--EdgeAgent:Bundle=/nonexistent/bundle", "--EdgeAgent:Metrics:PrometheusEnabled=false", "--EdgeAgent:Metrics:HealthEnabled=false"]).Build();
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        var published = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                // Only this host's instruments: other tests create metrics of their own in parallel.
                if (instrument.Meter.Name != AgentMetrics.MeterName || !ReferenceEquals(instrument.Meter.Scope, factory)) return;
                lock (published) published.Add(instrument);
                l.EnableMeasurementEvents(instrument);
            },
        };
        listener.Start();

        var metrics = host.Services.GetRequiredService<AgentMetrics>();
        Instrument[] mine;
        lock (published) mine = [.. published];
        Assert.Contains(mine, i => i.Name == "edgeagent.frames.processed");

        metrics.Dispose(); // the factory's meter is not the metrics' to dispose
        Assert.All(mine, i => Assert.True(i.Enabled, i.Name));
        host.Dispose(); // the factory disposes it with the host
        Assert.All(mine, i => Assert.False(i.Enabled, i.Name));
    }
}
