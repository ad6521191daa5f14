using Ccr.Core.Config;
using Ccr.Core.Protocol;

namespace Ccr.Core.Routing;

/// <summary>What <see cref="MessageSender.Admit"/> decided about one message, before anything is sent.</summary>
internal sealed class MessageAdmission
{
    public required MessageAdmissionStatus Status { get; init; }

    /// <summary>The request to route; set when <see cref="Status"/> is Admitted.</summary>
    public InboundRequest? Request { get; init; }

    /// <summary>Why the request is invalid; set when <see cref="Status"/> is InvalidRequest.</summary>
    public AnthropicRequestException? InvalidRequest { get; init; }

    /// <summary>Which provider refused and why; set when <see cref="Status"/> is Refused.</summary>
    public InteractiveRefusal? Refusal { get; init; }

    /// <summary>
    /// The interactive-only provider that this message made a batch (more than
    /// <see cref="MessageSender.BatchWarningThreshold"/> messages), once per sender; null otherwise.
    /// </summary>
    public ProviderConfig? BatchWarning { get; init; }
}
