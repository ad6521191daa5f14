namespace Ccr.Core.Routing;

/// <summary>Whether one message may be sent.</summary>
internal enum MessageAdmissionStatus
{
    /// <summary>The request is built and may go to the router.</summary>
    Admitted,

    /// <summary>The request is not a valid Messages request; <see cref="MessageAdmission.InvalidRequest"/> says why.</summary>
    InvalidRequest,

    /// <summary>It would reach an interactive-only provider from a host nobody drives; <see cref="MessageAdmission.Refusal"/> says which and why.</summary>
    Refused,
}
