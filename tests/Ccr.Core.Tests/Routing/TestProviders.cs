using Ccr.Core.Config;

namespace Ccr.Core.Tests.Routing;

/// <summary>Provider configs for tests that drive a translator directly, with no config file behind them.</summary>
internal static class TestProviders
{
    /// <summary>
    /// A generic OpenAI-compatible provider with no key, named "upstream" so errors read as the golden stream
    /// fixtures expect ("upstream (error inside a 200 answer...").
    /// </summary>
    public static ProviderConfig Generic { get; } = new()
    {
        Name = "upstream",
        ApiBaseUrl = "http://127.0.0.1:1/v1",
        Endpoint = new Uri("http://127.0.0.1:1/v1/chat/completions"),
    };
}
