namespace Ccr.Core.Providers;

/// <summary>The code, type and message a family read from an upstream error body.</summary>
/// <param name="Code">The vendor's error code, as text.</param>
/// <param name="Type">The error type, when the shape has one.</param>
/// <param name="Message">The human-readable message.</param>
internal readonly record struct ProviderErrorFields(string? Code, string? Type, string? Message);
