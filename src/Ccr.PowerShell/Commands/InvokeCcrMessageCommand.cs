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

    /// <summary>The Coding Plan terms this refusal quotes (the Coding Plan's Usage Restrictions).</summary>
    internal const string CodingPlanTerms =
        "Coding Plan quota can only be used with interactive coding tools. Do not use it for API calls in automated scripts, custom application backends or non-interactive batch calling scenarios; violating these terms may result in subscription suspension or API key revocation.";

    private const string RouteSet = "Route";
    private const string PresetSet = "Preset";

    private MessageSender? _sender;

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
        RouterEngine engine = EngineFor(path, () => LoadConfigOrThrow(path), out CcrProxy? proxy);
        _sender = new MessageSender(engine, CcrSession.Interactivity(), Force);
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
        MessageSender sender = _sender!;
        MessageAdmission admission = sender.Admit(new MessageRequestSpec
        {
            Model = Model,
            Message = message,
            System = System,
            MaxTokens = MyInvocation.BoundParameters.ContainsKey(nameof(MaxTokens)) ? MaxTokens : null,
            Temperature = MyInvocation.BoundParameters.ContainsKey(nameof(Temperature)) ? Temperature : null,
            Stream = Stream,
        }, Preset);

        if (admission.BatchWarning is { } batched)
        {
            WriteWarning($"More than {MessageSender.BatchWarningThreshold} messages were sent to '{batched.Name}', a Coding Plan (interactive-only) provider. {CodingPlanTerms}");
        }

        switch (admission.Status)
        {
            case MessageAdmissionStatus.InvalidRequest:
                WriteError(new ErrorRecord(admission.InvalidRequest, InvalidRequestErrorId, ErrorCategory.InvalidArgument, message));
                return;
            case MessageAdmissionStatus.Refused:
                WriteError(RefusalError(admission.Refusal!));
                return;
        }

        // Not disposed: the continuation that completes it may run after this method returns.
        var deltas = new BlockingCollection<string>();
        var collector = new MessageCollector(Stream ? deltas.Add : null);
        Task<RouteResult> routing = Task.Run(() => sender.SendAsync(admission, collector, Cancellation));
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

    /// <summary>The error for a message Core refused: an interactive-only provider from a host nobody drives, without -Force.</summary>
    private static ErrorRecord RefusalError(InteractiveRefusal refusal)
    {
        ProviderConfig provider = refusal.Provider;
        string reason = refusal.Reason;
        return new ErrorRecord(
            new InvalidOperationException($"'{provider.Name}' is an interactive-only provider (Coding Plan endpoint {provider.Endpoint.Host}) and this host is not interactive: {reason}. {CodingPlanTerms} Use another provider with -Model, or pass -Force if a person really is driving this session."),
            InteractiveOnlyErrorId,
            ErrorCategory.PermissionDenied,
            provider.Name)
        {
            ErrorDetails = new ErrorDetails($"'{provider.Name}' is interactive-only (Coding Plan) and this host is not interactive ({reason}).")
            {
                RecommendedAction = "Route to a pay-as-you-go provider with -Model provider,model, or add -Force when a person is driving this session.",
            },
        };
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
