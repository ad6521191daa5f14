using System.Globalization;
using System.Management.Automation;
using System.Net;
using Ccr.Core.Config;
using Ccr.Core.Providers;
using Ccr.Core.Quota;
using Ccr.Core.Routing;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Checks each provider's key, key format, endpoint and models, then sends it a one-token request.</para>
/// Every check is a result object, so <c>Test-CcrProvider | Where-Object Status -ne Ok</c> lists what to fix.
/// </summary>
[Cmdlet(VerbsDiagnostic.Test, "CcrProvider")]
[OutputType(typeof(ProviderTestResult))]
public sealed partial class TestCcrProviderCommand : CcrRoutingCmdlet
{
    internal const string ProviderNotFoundErrorId = "ProviderNotFound";

    private string _path = "";

    /// <summary>Provider names or wildcard patterns; every provider when omitted.</summary>
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(ProviderNameCompleter))]
    [Alias("Provider")]
    public string[]? Name { get; set; }

    /// <summary>Runs only the offline checks; nothing is sent to any provider.</summary>
    [Parameter]
    public SwitchParameter Offline { get; set; }

    /// <summary>How long the online request may take, in seconds.</summary>
    [Parameter]
    [ValidateRange(1, 600)]
    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>Sends the online request to interactive-only (Coding Plan) providers even from a non-interactive host.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Tests the matching providers.</summary>
    protected override void ProcessRecord()
    {
        _path = ResolveConfigPath();
        ConfigLoadResult loaded = ConfigLoader.Load(_path, LoadOptions());
        if (loaded.Config is null)
        {
            if (loaded.Diagnostics.Any(d => d.Code == "ConfigNotFound"))
            {
                ThrowTerminatingError(ErrorFor(new ConfigException(loaded.Diagnostics), _path));
            }

            // A config that does not load still gets results, so the user sees every problem at once.
            foreach (ConfigDiagnostic diagnostic in loaded.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
            {
                WriteObject(FromDiagnostic(diagnostic));
            }

            return;
        }

        CcrConfig config = loaded.Config;
        foreach (ProviderConfig provider in Select(config))
        {
            if (IsCancelled)
            {
                return;
            }

            TestProvider(config, provider);
        }
    }

    private IEnumerable<ProviderConfig> Select(CcrConfig config)
    {
        if (Name is null)
        {
            return config.Providers;
        }

        var chosen = new List<ProviderConfig>();
        foreach (string name in Name)
        {
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            bool any = false;
            foreach (ProviderConfig provider in config.Providers)
            {
                if (pattern.IsMatch(provider.Name) && !chosen.Contains(provider))
                {
                    chosen.Add(provider);
                    any = true;
                }
            }

            if (!any && !WildcardPattern.ContainsWildcardCharacters(name))
            {
                WriteError(new ErrorRecord(
                    new ItemNotFoundException($"There is no provider '{name}' in {_path}. Known providers: {string.Join(", ", config.Providers.Select(p => p.Name))}."),
                    ProviderNotFoundErrorId,
                    ErrorCategory.ObjectNotFound,
                    name));
            }
        }

        return chosen;
    }

    private void TestProvider(CcrConfig config, ProviderConfig provider)
    {
        ProviderTestResult key = CheckKeyVariable(provider);
        ProviderTestResult format = CheckKeyFormat(provider);
        ProviderTestResult endpoint = CheckEndpoint(provider);
        ProviderTestResult models = CheckModels(provider);
        WriteObject(key);
        WriteObject(format);
        WriteObject(endpoint);
        WriteObject(models);
        if (Offline)
        {
            return;
        }

        ProviderTestResult? blocker = new[] { key, format, models }.FirstOrDefault(r => r.Status == ProviderTestStatus.Failed);
        if (blocker is not null)
        {
            WriteObject(Result(provider, "Reachable", ProviderTestStatus.Skipped, $"Not sent: fix the {blocker.Check} check first."));
            return;
        }

        InteractiveRefusal? refusal = InteractivePolicy.Check(provider, CcrSession.Interactivity(), Force);
        if (refusal is not null)
        {
            WriteObject(Result(provider, "Reachable", ProviderTestStatus.Skipped,
                $"Not sent: '{provider.Name}' is a Coding Plan (interactive-only) provider and this host is not interactive ({refusal.Reason}). Run Test-CcrProvider from an interactive session, or add -Force."));
            return;
        }

        foreach (ProviderTestResult result in Ping(config, provider))
        {
            WriteObject(result);
        }
    }

    private ProviderTestResult CheckKeyVariable(ProviderConfig provider)
    {
        if (provider.KeyState == KeyState.KeyMissing)
        {
            string variable = provider.MissingVariable ?? "the key variable";
            return Result(provider, "KeyVariable", ProviderTestStatus.Failed,
                $"{variable} is not set, so the provider is skipped. Set it ($env:{variable} = '<key>'), add {variable}=<key> to .env beside {_path}, or run New-CcrConfig to write a config with your key.");
        }

        if (provider.ApiKey is null)
        {
            return Result(provider, "KeyVariable", ProviderTestStatus.Warning,
                "No api_key is configured; requests go without a key. Add \"api_key\": \"${YOUR_KEY_VARIABLE}\" unless the endpoint needs none.");
        }

        string source = provider.ApiKeyTemplate is { } template && template.Contains('$', StringComparison.Ordinal) ? " from " + template : "";
        return Result(provider, "KeyVariable", ProviderTestStatus.Ok, $"Key {provider.KeyHint}{source} is set.");
    }

    private ProviderTestResult CheckKeyFormat(ProviderConfig provider)
    {
        string? key = provider.ApiKey;
        if (key is null)
        {
            return Result(provider, "KeyFormat", ProviderTestStatus.Skipped, "No key to check.");
        }

        ProviderKeyCheck check = ProviderFamilies.CheckKey(provider.Name, provider.Endpoint, key, provider.KeyHint);
        ProviderTestStatus status = check.Verdict switch
        {
            // A key format is a guess, so it never blocks the online check: the host's answer is the proof.
            ProviderKeyVerdict.Mismatch or ProviderKeyVerdict.Warning => ProviderTestStatus.Warning,
            _ => ProviderTestStatus.Ok,
        };
        return Result(provider, "KeyFormat", status, check.Message);
    }

    private ProviderTestResult CheckEndpoint(ProviderConfig provider)
    {
        Uri endpoint = provider.Endpoint;
        string protocol = $"{provider.Protocol} protocol ({provider.ProtocolReason})";
        if (endpoint.Scheme != Uri.UriSchemeHttps && !Loopback.IsLoopback(endpoint))
        {
            return Result(provider, "Endpoint", ProviderTestStatus.Warning,
                $"{endpoint} is plain http: the key travels unencrypted. Use the https:// URL of the provider.");
        }

        if (ProviderFamilies.ForHost(endpoint).CheckEndpointPath(endpoint) is string wrongPath)
        {
            // The family's idea of its API paths is a guess too: a warning, and the online check still runs.
            return Result(provider, "Endpoint", ProviderTestStatus.Warning, wrongPath);
        }

        return Result(provider, "Endpoint", ProviderTestStatus.Ok, $"Requests go to {endpoint}, {protocol}.");
    }

    private ProviderTestResult CheckModels(ProviderConfig provider) => provider.Models.Count == 0
        ? Result(provider, "Models", ProviderTestStatus.Failed, $"'{provider.Name}' lists no models; add \"models\": [\"<model>\"] so routes like {provider.Name},<model> resolve.")
        : Result(provider, "Models", ProviderTestStatus.Ok, provider.Models.Count.ToString(CultureInfo.InvariantCulture) + " listed: " + string.Join(", ", provider.Models) + ".");

    private IEnumerable<ProviderTestResult> Ping(CcrConfig config, ProviderConfig provider)
    {
        RouterEngine engine = Engine(config);
        string model = provider.Models[0];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Cancellation);
        timeout.CancelAfter(TimeSpan.FromSeconds(TimeoutSeconds));
        WriteVerbose($"Sending a one-token request to {provider.Name},{model} at {provider.Endpoint}.");
        ProviderPingResult ping = ProviderPing.PingAsync(engine, provider.Name, model, timeout.Token).GetAwaiter().GetResult();
        double latency = Math.Round(ping.LatencyMs, 1);
        string detail = ping.Error?.Message ?? "";
        string authority = provider.Endpoint.GetLeftPart(UriPartial.Authority);

        ProviderTestResult Online(string check, ProviderTestStatus status, string message) => Result(provider, check, status, message, latency, model);

        if (ping.Succeeded)
        {
            yield return Online("Reachable", ProviderTestStatus.Ok, $"{authority} answered in {latency.ToString(CultureInfo.InvariantCulture)} ms.");
            yield return Online("Auth", ProviderTestStatus.Ok, $"The key {provider.KeyHint} was accepted.");
            yield return Online("Quota", ProviderTestStatus.Ok, QuotaText(engine, provider) ?? "The request was served (no local quota configured).");
            yield break;
        }

        switch (ping.Failure)
        {
            case ProviderPingFailure.Cancelled when IsCancelled:
                yield break;
            case ProviderPingFailure.Cancelled or ProviderPingFailure.Timeout:
                yield return Online("Reachable", ProviderTestStatus.Failed, $"No answer from {authority} within {(ping.Failure == ProviderPingFailure.Cancelled ? TimeoutSeconds.ToString(CultureInfo.InvariantCulture) + " s" : "API_TIMEOUT_MS")}. Check the network and PROXY_URL, or retry later if the provider is overloaded.");
                break;
            case ProviderPingFailure.Network:
                yield return Online("Reachable", ProviderTestStatus.Failed, $"Cannot reach {authority}: {detail} Check api_base_url, DNS, firewalls and PROXY_URL.");
                break;
            case ProviderPingFailure.Auth:
                yield return Online("Reachable", ProviderTestStatus.Ok, $"{authority} answered.");
                yield return Online("Auth", ProviderTestStatus.Failed, 
                    $"The key {provider.KeyHint} was refused: {detail} {ProviderFamilies.ForHost(provider.Endpoint).KeyRefusedAdvice(provider.Endpoint)}");
                break;
            case ProviderPingFailure.QuotaExceeded:
                yield return Online("Reachable", ProviderTestStatus.Ok, $"{authority} answered.");
                yield return Online("Auth", ProviderTestStatus.Ok, $"The key {provider.KeyHint} was accepted.");
                yield return Online("Quota", ProviderTestStatus.Failed, $"The provider's quota is used up: {detail} The tier is skipped until the window resets (Get-CcrTier shows when).");
                break;
            case ProviderPingFailure.RateLimited:
                yield return Online("Reachable", ProviderTestStatus.Ok, $"{authority} answered.");
                yield return Online("Auth", ProviderTestStatus.Ok, $"The key {provider.KeyHint} was accepted.");
                yield return Online("Quota", ProviderTestStatus.Warning, $"Rate limited right now: {detail} Requests fall to the next tier until it cools down.");
                break;
            case ProviderPingFailure.RequestRefused:
                yield return Online("Reachable", ProviderTestStatus.Ok, $"{authority} answered.");
                yield return Online("Request", ProviderTestStatus.Failed, $"The provider refused a minimal request to '{model}': {detail} Check that the model name is one this provider serves.");
                break;
            default:
                yield return Online("Reachable", ProviderTestStatus.Failed, $"{authority} failed: {detail} Retry later; if it persists, check the provider's status page.");
                break;
        }
    }

    private static string? QuotaText(RouterEngine engine, ProviderConfig provider)
    {
        if (provider.Quota is null)
        {
            return null;
        }

        QuotaSnapshot snapshot = engine.Quota.Snapshot(provider);
        var parts = new List<string>();
        foreach (QuotaWindowSnapshot window in snapshot.Windows)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"{window.Name} {window.Used}/{(window.Limit?.ToString(CultureInfo.InvariantCulture) ?? (window.LimitUnknown ? "?" : "∞"))}"));
        }

        return "Local quota: " + string.Join(", ", parts) + ".";
    }

    private RouterEngine Engine(CcrConfig config) => EngineFor(_path, () => config, out _);

    private ProviderTestResult Result(ProviderConfig provider, string check, ProviderTestStatus status, string message, double? latency = null, string? model = null) => new()
    {
        Provider = provider.Name,
        Check = check,
        Status = status,
        Message = message,
        LatencyMs = latency,
        Endpoint = provider.Endpoint.ToString(),
        Model = model,
        ConfigPath = _path,
    };

    private ProviderTestResult FromDiagnostic(ConfigDiagnostic diagnostic)
    {
        const string check = "Config";
        string where = diagnostic.Line > 0
            ? string.Create(CultureInfo.InvariantCulture, $" ({diagnostic.FilePath ?? _path}:{diagnostic.Line}:{diagnostic.Column}, {diagnostic.JsonPath})")
            : " (" + diagnostic.JsonPath + ")";
        return new ProviderTestResult
        {
            Provider = diagnostic.Provider ?? "",
            Check = check,
            Status = ProviderTestStatus.Failed,
            Message = diagnostic.Message + where,
            ConfigPath = _path,
        };
    }
}
