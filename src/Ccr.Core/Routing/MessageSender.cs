using Ccr.Core.Config;
using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>
/// Sends one message at a time through a router on the user's behalf (Invoke-CcrMessage): builds the
/// Messages request, applies the interactive-only policy for the host it runs in, then routes it with
/// the same tiers, presets and quota as a proxy client. One sender per batch, so a batch to an
/// interactive-only provider is noticed once.
/// </summary>
internal sealed class MessageSender
{
    /// <summary>max_tokens when neither the caller nor the preset gives one.</summary>
    public const int DefaultMaxTokens = 4096;

    /// <summary>How many messages to an interactive-only provider make a batch worth a warning.</summary>
    public const int BatchWarningThreshold = 3;

    private readonly RouterEngine _engine;
    private readonly HostInteractivity _host;
    private readonly bool _force;
    private int _interactiveOnlyCount;
    private bool _warnedBatch;

    /// <param name="engine">The router to send through.</param>
    /// <param name="host">Whether a person drives the host the messages come from.</param>
    /// <param name="force">Send to interactive-only providers even from a host nobody drives.</param>
    public MessageSender(RouterEngine engine, HostInteractivity host, bool force)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(host);
        _engine = engine;
        _host = host;
        _force = force;
    }

    /// <summary>Builds the request for <paramref name="spec"/> (through <paramref name="presetName"/> when given) and decides whether it may be sent.</summary>
    public MessageAdmission Admit(MessageRequestSpec spec, string? presetName)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ConfigSnapshot snapshot = _engine.Snapshot;
        if (spec.MaxTokens is null && (presetName is null || snapshot.Config.Presets.GetValueOrDefault(presetName)?.MaxTokens is null))
        {
            spec = new MessageRequestSpec
            {
                Model = spec.Model,
                Message = spec.Message,
                System = spec.System,
                MaxTokens = DefaultMaxTokens,
                Temperature = spec.Temperature,
                Stream = spec.Stream,
            };
        }

        byte[] body = MessageRequestWriter.Write(spec);
        RequestFacts facts;
        try
        {
            facts = RequestFacts.Read(body);
        }
        catch (AnthropicRequestException e)
        {
            return new MessageAdmission { Status = MessageAdmissionStatus.InvalidRequest, InvalidRequest = e };
        }

        ProviderConfig? provider = FirstProvider(snapshot, facts, body, presetName);
        ProviderConfig? batchWarning = null;
        if (provider is { InteractiveOnly: true })
        {
            if (++_interactiveOnlyCount > BatchWarningThreshold && !_warnedBatch)
            {
                _warnedBatch = true;
                batchWarning = provider;
            }

            InteractiveRefusal? refusal = InteractivePolicy.Check(provider, _host, _force);
            if (refusal is not null)
            {
                return new MessageAdmission { Status = MessageAdmissionStatus.Refused, Refusal = refusal, BatchWarning = batchWarning };
            }
        }

        var request = new InboundRequest
        {
            Body = body,
            Facts = facts,
            PresetName = presetName,
            RequestId = "req_ccr_" + Guid.NewGuid().ToString("N"),
            ForwardHeaders = MessageRequestWriter.DefaultHeaders,
        };
        return new MessageAdmission { Status = MessageAdmissionStatus.Admitted, Request = request, BatchWarning = batchWarning };
    }

    /// <summary>Routes an admitted message; the answer (whole or streamed) goes to <paramref name="sink"/>.</summary>
    public Task<RouteResult> SendAsync(MessageAdmission admission, IResponseSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admission);
        if (admission.Status != MessageAdmissionStatus.Admitted || admission.Request is null)
        {
            throw new InvalidOperationException("Only an admitted message can be sent; this one is " + admission.Status + ".");
        }

        return RouteAndCountAsync(admission.Request, sink, cancellationToken);
    }

    private async Task<RouteResult> RouteAndCountAsync(InboundRequest request, IResponseSink sink, CancellationToken cancellationToken)
    {
        bool failed = true;
        try
        {
            RouteResult result = await _engine.Router.RouteAsync(request, sink, cancellationToken).ConfigureAwait(false);
            failed = !result.Succeeded;
            return result;
        }
        finally
        {
            // The traffic chart of Watch-CcrProxy counts what this engine answered: over HTTP (ProxyServer) or, when it is
            // the session's proxy engine, from Invoke-CcrMessage, whose tier counts it already shows.
            _engine.Live.RecordRequest(failed);
        }
    }

    /// <summary>The provider the router would try first, or null when the route does not resolve (the router then reports why).</summary>
    private static ProviderConfig? FirstProvider(ConfigSnapshot snapshot, RequestFacts facts, byte[] body, string? presetName)
    {
        try
        {
            RoutePlan plan = RouteResolver.Resolve(snapshot, facts, body, presetName);
            return plan.Targets.Count > 0 ? plan.Targets[0].Provider?.Config : null;
        }
        catch (RoutingException)
        {
            return null;
        }
    }
}
