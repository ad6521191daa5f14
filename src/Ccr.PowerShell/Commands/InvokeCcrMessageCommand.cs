using System.Collections.Concurrent;
using System.Management.Automation;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;
using Ccr.Core.Server;

namespace Ccr.PowerShell.Commands;

/// <summary>
/// <para type="synopsis">Sends a message through the Ccr router (tiers, presets, quotas, logs) and returns the answer.</para>
/// Works with or without a running proxy: a proxy in this session serving the same config shares its
/// tier health and quota state; otherwise a router is built for this pipeline and disposed at its end.
/// </summary>
[Cmdlet(VerbsLifecycle.Invoke, "CcrMessage", DefaultParameterSetName = RouteSet)]
[OutputType(typeof(MessageResult), ParameterSetName = new[] { RouteSet, PresetSet })]
[OutputType(typeof(string), ParameterSetName = new[] { RouteSet, PresetSet })]
public sealed class InvokeCcrMessageCommand : CcrRoutingCmdlet
{
    internal const string InteractiveOnlyErrorId = "InteractiveOnlyProvider";
    internal const string InvalidRequestErrorId = "InvalidRequest";

    /// <summary>The Coding Plan terms this refusal quotes (seed document, Usage Restrictions).</summary>
    internal const string CodingPlanTerms =
        "Coding Plan quota can only be used with interactive coding tools. Do not use it for API calls in automated scripts, custom application backends or non-interactive batch calling scenarios; violating these terms may result in subscription suspension or API key revocation.";

    private const string RouteSet = "Route";
    private const string PresetSet = "Preset";

    /// <summary>How many messages to an interactive-only provider make a batch worth a warning.</summary>
    private const int BatchWarningThreshold = 3;

    private RouterEngine? _engine;
    private int _interactiveOnlyCount;
    private bool _warnedBatch;

    /// <summary>The user message; each string (argument or pipeline item) is one request.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string[] Message { get; set; } = Array.Empty<string>();

    /// <summary>An explicit <c>provider,model</c> route; without it the router chooses (Router.default, else tier 0).</summary>
    [Parameter(ParameterSetName = RouteSet)]
    [RouteTransformation]
    [ArgumentCompleter(typeof(RouteCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Model { get; set; }

    /// <summary>A preset from the config, used as <c>/preset/{name}/v1/messages</c> would.</summary>
    [Parameter(Mandatory = true, ParameterSetName = PresetSet)]
    [ArgumentCompleter(typeof(PresetNameCompleter))]
    [ValidateNotNullOrEmpty]
    public string? Preset { get; set; }

    /// <summary>The system prompt.</summary>
    [Parameter]
    public string? System { get; set; }

    /// <summary>max_tokens; default the preset's, else 4096.</summary>
    [Parameter]
    [ValidateRange(1, 1_000_000)]
    public int MaxTokens { get; set; }

    /// <summary>temperature (0 to 2); default the preset's or the provider's.</summary>
    [Parameter]
    [ValidateRange(0.0, 2.0)]
    public double Temperature { get; set; }

    /// <summary>Streams the answer: text is written to the host as it arrives, and the object is still returned.</summary>
    [Parameter]
    public SwitchParameter Stream { get; set; }

    /// <summary>Returns the raw Anthropic answer (JSON, or the SSE text with -Stream) instead of an object.</summary>
    [Parameter]
    public SwitchParameter Raw { get; set; }

    /// <summary>Sends to an interactive-only (Coding Plan) provider even from a non-interactive host.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Loads the config and picks the engine: the proxy's in this session when it serves the same config, else a new one.</summary>
    protected override void BeginProcessing()
    {
        string path = ResolveConfigPath();
        _engine = EngineFor(path, () => LoadConfigOrThrow(path), out CcrProxy? proxy);
        WriteVerbose(proxy is not null
            ? $"Routing through the proxy on port {proxy.Port} (shared tier health and quota)."
            : $"No proxy in this session serves {path}; routing with a router of its own.");
    }

    /// <summary>Sends each message and writes its answer.</summary>
    protected override void ProcessRecord()
    {
        foreach (string message in Message)
        {
            if (IsCancelled)
            {
                return;
            }

            Send(message);
        }
    }

    private void Send(string message)
    {
        RouterEngine engine = _engine!;
        bool maxTokensGiven = MyInvocation.BoundParameters.ContainsKey(nameof(MaxTokens));
        int? maxTokens = maxTokensGiven ? MaxTokens : null;
        if (maxTokens is null && (Preset is null || engine.Snapshot.Config.Presets.GetValueOrDefault(Preset)?.MaxTokens is null))
        {
            maxTokens = 4096;
        }

        byte[] body = MessageRequestWriter.Write(new MessageRequestSpec
        {
            Model = Model,
            Message = message,
            System = System,
            MaxTokens = maxTokens,
            Temperature = MyInvocation.BoundParameters.ContainsKey(nameof(Temperature)) ? Temperature : null,
            Stream = Stream,
        });

        RequestFacts facts;
        try
        {
            facts = RequestFacts.Read(body);
        }
        catch (AnthropicRequestException e)
        {
            WriteError(new ErrorRecord(e, InvalidRequestErrorId, ErrorCategory.InvalidArgument, message));
            return;
        }

        if (!MayUse(engine, facts, body))
        {
            return;
        }

        var request = new InboundRequest
        {
            Body = body,
            Facts = facts,
            PresetName = Preset,
            RequestId = "req_ccr_" + Guid.NewGuid().ToString("N"),
            ForwardHeaders = MessageRequestWriter.DefaultHeaders,
        };

        // Not disposed: the continuation that completes it may run after this method returns.
        var deltas = new BlockingCollection<string>();
        var collector = new MessageCollector(Stream ? deltas.Add : null);
        Task<RouteResult> routing = Task.Run(() => engine.Router.RouteAsync(request, collector, Cancellation));
        if (Stream)
        {
            ShowDeltas(routing, deltas);
        }

        RouteResult result;
        try
        {
            result = routing.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            return;
        }

        collector.Complete();
        if (IsCancelled)
        {
            return;
        }

        if (!result.Succeeded)
        {
            WriteError(ErrorFor(result, collector, message));
            return;
        }

        if (Raw)
        {
            WriteObject(collector.Raw);
            return;
        }

        WriteObject(new MessageResult
        {
            Text = collector.Text,
            Model = result.Model,
            Provider = result.Provider,
            Tier = result.TierIndex,
            TierName = result.TierName,
            StopReason = collector.StopReason ?? result.Summary?.StopReason,
            InputTokens = collector.InputTokens != 0 ? collector.InputTokens : result.Summary?.InputTokens ?? 0,
            OutputTokens = collector.OutputTokens != 0 ? collector.OutputTokens : result.Summary?.OutputTokens ?? 0,
            LatencyMs = Math.Round(result.LatencyMs, 1),
            Attempts = result.Attempts,
            Streamed = collector.IsStream,
        });
    }

    /// <summary>Writes text deltas to the host on this (the pipeline) thread as the router produces them.</summary>
    private void ShowDeltas(Task routing, BlockingCollection<string> deltas)
    {
        // The router's thread only queues; completing the queue when routing ends ends this loop.
        routing.ContinueWith(_ => deltas.CompleteAdding(), TaskScheduler.Default);
        bool wrote = false;
        try
        {
            foreach (string text in deltas.GetConsumingEnumerable(Cancellation))
            {
                if (!Raw)
                {
                    Host.UI.Write(text);
                    wrote = true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: the router sees the same token and abandons the upstream call.
        }

        if (wrote)
        {
            Host.UI.WriteLine();
        }
    }

    /// <summary>Refuses an interactive-only provider from a non-interactive host unless -Force, and warns once about batches.</summary>
    private bool MayUse(RouterEngine engine, RequestFacts facts, byte[] body)
    {
        ProviderConfig? provider;
        try
        {
            RoutePlan plan = RouteResolver.Resolve(engine.Snapshot, facts, body, Preset);
            provider = plan.Targets.Count > 0 ? plan.Targets[0].Provider?.Config : null;
        }
        catch (RoutingException)
        {
            // The router reports it with the same message a proxy client would get.
            return true;
        }

        if (provider is null || !provider.InteractiveOnly)
        {
            return true;
        }

        if (++_interactiveOnlyCount > BatchWarningThreshold && !_warnedBatch)
        {
            _warnedBatch = true;
            WriteWarning($"More than {BatchWarningThreshold} messages were sent to '{provider.Name}', a Coding Plan (interactive-only) provider. {CodingPlanTerms}");
        }

        string? reason = Force ? null : CcrSession.NonInteractiveReason();
        if (reason is null)
        {
            return true;
        }

        WriteError(new ErrorRecord(
            new InvalidOperationException($"'{provider.Name}' is an interactive-only provider (Coding Plan endpoint {provider.Endpoint.Host}) and this host is not interactive: {reason}. {CodingPlanTerms} Use another provider with -Model, or pass -Force if a person really is driving this session."),
            InteractiveOnlyErrorId,
            ErrorCategory.PermissionDenied,
            provider.Name)
        {
            ErrorDetails = new ErrorDetails($"'{provider.Name}' is interactive-only (Coding Plan) and this host is not interactive ({reason}).")
            {
                RecommendedAction = "Route to a pay-as-you-go provider with -Model provider,model, or add -Force when a person is driving this session.",
            },
        });
        return false;
    }

    private static ErrorRecord ErrorFor(RouteResult result, MessageCollector collector, string message)
    {
        string type = result.Error?.Type ?? collector.ErrorType ?? "api_error";
        string text = result.Error?.Message ?? collector.ErrorMessage ?? "The request failed with status " + result.Status + ".";
        (string id, ErrorCategory category) = type switch
        {
            "authentication_error" => ("AuthenticationFailed", ErrorCategory.AuthenticationError),
            "permission_error" => ("PermissionDenied", ErrorCategory.PermissionDenied),
            "not_found_error" => ("NotFound", ErrorCategory.ObjectNotFound),
            "invalid_request_error" or "request_too_large" => (InvalidRequestErrorId, ErrorCategory.InvalidArgument),
            "rate_limit_error" => ("RateLimited", ErrorCategory.LimitsExceeded),
            "overloaded_error" => ("Overloaded", ErrorCategory.ResourceUnavailable),
            _ => ("UpstreamError", ErrorCategory.ConnectionError),
        };
        string where = result.Provider is null ? "" : " (" + result.Provider + "," + result.Model + ")";
        return new ErrorRecord(new InvalidOperationException(type + where + ": " + text), id, category, message);
    }
}
