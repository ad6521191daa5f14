// TEMPORARY: contract stubs so the server compiles before the helpers' branches land. Deleted on merge.
#pragma warning disable CS1591, CA1822, IDE0060, CA1801, CS0067
using System.Buffers;
using Ccr.Core.Config;

namespace Ccr.Core.Protocol
{
    internal sealed class RequestFacts
    {
        public string? Model { get; set; }
        public bool Stream { get; set; }
        public bool ThinkingEnabled { get; set; }
        public bool HasWebSearchTool { get; set; }
        public string? SubagentRoute { get; set; }
        public int? MaxTokens { get; set; }
        public bool HasTemperature { get; set; }
        public bool HasTopP { get; set; }
        public bool HasSystem { get; set; }
        public bool HasMessages { get; set; }
        public static RequestFacts Read(ReadOnlySpan<byte> body) => throw new NotImplementedException();
    }

    internal sealed class AnthropicRequestException : Exception
    {
        public AnthropicRequestException(AnthropicError error) : base(error.Message) { Error = error; }
        public AnthropicError Error { get; }
    }

    internal sealed class RequestOverrides
    {
        public required string Model { get; init; }
        public double? Temperature { get; init; }
        public int? MaxTokens { get; init; }
        public double? TopP { get; init; }
        public string? System { get; init; }
        public bool StripSubagentTag { get; init; }
    }

    internal static class AnthropicToOpenAIRequest
    {
        public static void Write(ReadOnlySpan<byte> anthropicBody, RequestOverrides overrides, Ccr.Core.Providers.ProviderProfile profile, IBufferWriter<byte> output) => throw new NotImplementedException();
    }

    internal static class AnthropicPassthroughRequest
    {
        public static void Write(ReadOnlySpan<byte> anthropicBody, RequestOverrides overrides, Ccr.Core.Providers.ProviderProfile profile, IBufferWriter<byte> output) => throw new NotImplementedException();
    }

    internal static class OpenAIToAnthropicResponse
    {
        public static ResponseSummary Write(ReadOnlySpan<byte> openAiBody, string reportedModel, IBufferWriter<byte> output) => throw new NotImplementedException();
    }

    internal sealed class OpenAIToAnthropicStream
    {
        public OpenAIToAnthropicStream(string reportedModel, int estimatedInputTokens) { }
        public void Translate(ReadOnlySpan<byte> sseData, IBufferWriter<byte> output) => throw new NotImplementedException();
        public void Complete(IBufferWriter<byte> output) => throw new NotImplementedException();
        public void Fail(AnthropicError error, IBufferWriter<byte> output) => throw new NotImplementedException();
        public bool HasOutput { get; }
        public ResponseSummary Summary { get; } = new(null, 0, 0, 0);
        public static void WritePing(IBufferWriter<byte> output) => throw new NotImplementedException();
    }

    internal static class UpstreamSse
    {
        public static IAsyncEnumerable<System.Net.ServerSentEvents.SseItem<byte[]>> ReadAsync(Stream body, CancellationToken ct) => throw new NotImplementedException();
    }

    internal sealed record ResponseSummary(string? StopReason, int InputTokens, int OutputTokens, int CachedInputTokens);

    /// <summary>stub</summary>
    public sealed record AnthropicError(int Status, string Type, string Message)
    {
        /// <summary>stub</summary>
        public void WriteJson(IBufferWriter<byte> output, string? requestId) => throw new NotImplementedException();
    }

    internal sealed class UpstreamProtocolException : Exception
    {
        public UpstreamProtocolException(UpstreamFailure failure) : base(failure.Error.Message) { Failure = failure; }
        public UpstreamFailure Failure { get; }
    }

    internal sealed record UpstreamFailure(AnthropicError Error, FailureKind Kind, bool Retryable, bool ClientFault, TimeSpan? RetryAfter);

    internal enum FailureKind { Auth, QuotaExceeded, RateLimited, ContextTooLong, BadRequest, Server, Timeout, Network, InvalidResponse }

    internal static class UpstreamErrorMapper
    {
        public static UpstreamFailure FromHttp(int status, ReadOnlySpan<byte> body, IReadOnlyDictionary<string, string> headers, ProviderConfig provider) => throw new NotImplementedException();
        public static UpstreamFailure FromException(Exception e, ProviderConfig provider) => throw new NotImplementedException();
        public static bool TryDetectErrorInSuccess(ReadOnlySpan<byte> body, ProviderConfig provider, out UpstreamFailure failure) => throw new NotImplementedException();
    }

    internal static class TokenCounter
    {
        public static int CountRequest(ReadOnlySpan<byte> anthropicBody) => throw new NotImplementedException();
        public static int Estimate(ReadOnlySpan<byte> anthropicBody) => throw new NotImplementedException();
    }
}

namespace Ccr.Core.Providers
{
    internal sealed class ProviderProfile
    {
        public static ProviderProfile For(ProviderConfig provider) => throw new NotImplementedException();
        public void ApplyAuth(System.Net.Http.HttpRequestMessage request, string? apiKey) => throw new NotImplementedException();
        public IReadOnlyDictionary<string, string> ExtraHeaders { get; } = new Dictionary<string, string>();
    }
}

namespace Ccr.Core.Config
{
    /// <summary>stub</summary>
    public static class ConfigPaths
    {
        /// <summary>stub</summary>
        public static string Resolve(string? explicitPath) => throw new NotImplementedException();
        /// <summary>stub</summary>
        public static string LogFolder => throw new NotImplementedException();
        /// <summary>stub</summary>
        public static string StateFolder => throw new NotImplementedException();
    }

    /// <summary>stub</summary>
    public sealed class ConfigLoadResult
    {
        /// <summary>stub</summary>
        public CcrConfig? Config { get; init; }
        /// <summary>stub</summary>
        public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; init; } = Array.Empty<ConfigDiagnostic>();
        /// <summary>stub</summary>
        public bool Success { get; init; }
    }

    /// <summary>stub</summary>
    public sealed class ConfigLoadOptions { }

    /// <summary>stub</summary>
    public static class ConfigLoader
    {
        /// <summary>stub</summary>
        public static ConfigLoadResult Load(string path, ConfigLoadOptions? options = null) => throw new NotImplementedException();
    }

    /// <summary>stub</summary>
    public sealed class ConfigException : Exception
    {
        /// <summary>stub</summary>
        public ConfigException(IReadOnlyList<ConfigDiagnostic> diagnostics) : base("") { Diagnostics = diagnostics; }
        /// <summary>stub</summary>
        public IReadOnlyList<ConfigDiagnostic> Diagnostics { get; }
    }

    /// <summary>stub</summary>
    public sealed class ConfigWatcher : IDisposable
    {
        /// <summary>stub</summary>
        public ConfigWatcher(string path, CcrConfig initial) { Current = initial; }
        /// <summary>stub</summary>
        public CcrConfig Current { get; }
        /// <summary>stub</summary>
        public event Action<CcrConfig>? Reloaded;
        /// <summary>stub</summary>
        public event Action<IReadOnlyList<ConfigDiagnostic>>? ReloadFailed;
        /// <summary>stub</summary>
        public void Dispose() { }
    }
}

