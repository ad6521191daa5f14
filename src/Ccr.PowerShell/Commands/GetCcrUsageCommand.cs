using System.Globalization;
using System.Management.Automation;
using Ccr.Core.Config;
using Ccr.Core.Persistence;
using Ccr.Core.Quota;
using Ccr.Core.Server;
using Ccr.Core.Usage;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Shows what each provider and model used: requests, tokens, errors, fallbacks and cost; with -Quota, each quota window and when it runs out.</para>
/// </summary>
[Cmdlet(VerbsCommon.Get, "CcrUsage", DefaultParameterSetName = UsageSet)]
[OutputType(typeof(UsageInfo), ParameterSetName = new[] { UsageSet })]
[OutputType(typeof(UsageQuotaInfo), ParameterSetName = new[] { QuotaSet })]
public sealed class GetCcrUsageCommand : CcrConfigCmdlet
{
    private const string UsageSet = "Usage";
    private const string QuotaSet = "Quota";

    /// <summary>Start of the span; default 24 hours before -Until.</summary>
    [Parameter(ParameterSetName = UsageSet)]
    public DateTime? Since { get; set; }

    /// <summary>End of the span; default now.</summary>
    [Parameter(ParameterSetName = UsageSet)]
    public DateTime? Until { get; set; }

    /// <summary>Cuts rows per Hour, Day, Provider or Model; default one row per provider and model.</summary>
    [Parameter(ParameterSetName = UsageSet)]
    public UsageGroupBy? By { get; set; }

    /// <summary>Shows each quota window (used, limit, reset, forecast) of the providers with a quota or on a subscription plan.</summary>
    [Parameter(Mandatory = true, ParameterSetName = QuotaSet)]
    public SwitchParameter Quota { get; set; }

    /// <summary>Writes the rows (or the quota windows).</summary>
    protected override void ProcessRecord()
    {
        string path = ResolveConfigPath();
        CcrConfig config = LoadConfigOrThrow(path);
        DateTimeOffset? since = Since is DateTime s ? new DateTimeOffset(s) : null;
        DateTimeOffset? until = Until is DateTime u ? new DateTimeOffset(u) : null;
        UsageQuery query = UsageQuery.Create(since, until, Grouping(By), DateTimeOffset.UtcNow);
        if (query.Until < query.Since)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("-Until is before -Since; give a span that ends after it starts."),
                "UsageSpanInvalid", ErrorCategory.InvalidArgument, Until));
        }

        (UsageReport report, string source) = Read(config, path, query);
        if (Quota)
        {
            foreach (UsageQuotaWindow window in report.Quota)
            {
                WriteObject(new UsageQuotaInfo
                {
                    Provider = window.Provider,
                    TierName = window.TierName,
                    Window = window.Window,
                    Used = window.Used,
                    Limit = window.Limit,
                    ResetsAt = window.ResetsAt,
                    Forecast = window.RunsOutAt,
                    PerHour = Math.Round(window.PerHour, 1),
                    Source = source,
                });
            }

            return;
        }

        foreach (UsageRow row in report.Rows)
        {
            UsageCounts c = row.Counts;
            WriteObject(new UsageInfo
            {
                Provider = row.Provider,
                Model = row.Model,
                TierName = row.TierName,
                Requests = c.Requests,
                InputTokens = c.InputTokens,
                OutputTokens = c.OutputTokens,
                CacheReadTokens = c.CacheReadTokens,
                CacheWriteTokens = c.CacheWriteTokens,
                Errors = c.Errors,
                Fallbacks = c.Fallbacks,
                CostUsd = row.CostUsd is double cost ? Math.Round(cost, 6) : null,
                Subscription = row.Subscription,
                From = row.From,
                To = row.To,
                Source = source,
            });
        }
    }

    private static UsageGrouping Grouping(UsageGroupBy? by) => by switch
    {
        UsageGroupBy.Hour => UsageGrouping.Hour,
        UsageGroupBy.Day => UsageGrouping.Day,
        UsageGroupBy.Provider => UsageGrouping.Provider,
        UsageGroupBy.Model => UsageGrouping.Model,
        _ => UsageGrouping.ProviderModel,
    };

    /// <summary>The report from a proxy in this session serving the config, else from the config's port, else from the store file.</summary>
    private (UsageReport Report, string Source) Read(CcrConfig config, string path, UsageQuery query)
    {
        CcrProxy? local = CcrSession.FindProxyServing(path);
        if (local is not null)
        {
            return (UsageEndpoint.Build(local.Engine, query), "this session");
        }

        var client = new ProxyControlClient(config.Port, config.ApiKey);
        ProxyHealth? health = client.GetHealthAsync(TimeSpan.FromSeconds(2)).GetAwaiter().GetResult();
        if (health is not null && CcrSession.SamePath(health.ConfigPath, path))
        {
            ControlReply<UsageReport> reply = client.GetUsageAsync(query).GetAwaiter().GetResult();
            if (reply.Value is not null)
            {
                return (reply.Value, client.BaseUrl);
            }

            WriteWarning(reply.Error is null
                ? string.Create(CultureInfo.InvariantCulture, $"The proxy on port {config.Port} answered {reply.Status} to /ccr/usage; reading the usage store instead.")
                : $"Could not read usage from {client.BaseUrl}/ccr/usage ({reply.Error}); reading the usage store instead.");
        }
        else
        {
            WriteVerbose(string.Create(CultureInfo.InvariantCulture, $"No Ccr proxy serving {path} answers on port {config.Port}; reading the usage store."));
        }

        // No proxy: the store holds what every process flushed (they flush every second and on exit); in Redis mode every
        // machine's counts are read from Redis as well. This is the pipeline thread, so waiting for the connection here
        // holds no pool thread.
        string stateFolder = ConfigPaths.StateFolder;
        string store = Path.Combine(stateFolder, "usage.json");
        (ISharedState? shared, string? problem) = SharedStateFactory.OpenForReadingAsync(config, TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
        if (problem is not null)
        {
            WriteWarning("Persistence: " + problem + ". Showing this machine's usage store only.");
        }

        try
        {
            using var quota = new QuotaTracker(Path.Combine(stateFolder, "quota.json"), TimeProvider.System, warning: null, flushInterval: TimeSpan.Zero);
            if (shared is not null)
            {
                quota.Shared = shared;
            }

            UsageReport report = UsageReport.Build(
                config,
                (from, to) =>
                {
                    Dictionary<UsageBucketKey, UsageCounts> buckets = UsageRecorder.ReadFile(store, from, to);
                    shared?.MergeUsage(buckets, from, to);
                    return buckets;
                },
                quota.Snapshot,
                query.Since,
                query.Until,
                query.By,
                DateTimeOffset.UtcNow);
            return (report, shared is null ? store : store + " and " + shared.Status.Describe());
        }
        finally
        {
            shared?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
