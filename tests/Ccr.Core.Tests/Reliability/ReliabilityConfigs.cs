using System.Net;
using System.Net.Sockets;

namespace Ccr.Core.Tests.Reliability;

/// <summary>Configs shared by the reliability tests: a flaky tier 0, a provider nobody listens for, a healthy last tier.</summary>
internal static class ReliabilityConfigs
{
    public const string FakeKey = "sk-sp-RELIABILITY-SECRET-7f3a9c2e5b1d";

    /// <summary>tier 0 flaky (scripted per request), tier 1 on a closed port (connect refused), tier 2 healthy.</summary>
    public static string ThreeTiers(int apiTimeoutMs = 1000, string extra = "") => """
        {
          "Providers": [
            { "name": "flaky", "api_base_url": "{OPENAI}", "api_key": "@KEY@", "models": ["flaky-model"], "tier_name": "ccr-flaky" },
            { "name": "refused", "api_base_url": "@REFUSED@", "api_key": "@KEY@", "models": ["refused-model"], "tier_name": "ccr-refused" },
            { "name": "healthy", "api_base_url": "{ANTHROPIC}", "api_key": "@KEY@", "models": ["healthy-model"], "tier_name": "ccr-healthy" }
          ],
          "Router": {
            "default": "flaky,flaky-model",
            "tiers": ["flaky,flaky-model", "refused,refused-model", "healthy,healthy-model"],
            "tierRetries": {
              "tier-0": { "max_retries": 1, "base_backoff_ms": 1, "backoff_multiplier": 1.0 },
              "tier-1": { "max_retries": 0, "base_backoff_ms": 1 },
              "tier-2": { "max_retries": 0, "base_backoff_ms": 1 }
            }
          },
          "API_TIMEOUT_MS": @TIMEOUT@@EXTRA@
        }
        """.Replace("@KEY@", FakeKey, StringComparison.Ordinal)
           .Replace("@REFUSED@", "http://127.0.0.1:" + ClosedPort().ToString(System.Globalization.CultureInfo.InvariantCulture) + "/v1", StringComparison.Ordinal)
           .Replace("@TIMEOUT@", apiTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
           .Replace("@EXTRA@", extra, StringComparison.Ordinal);

    /// <summary>A loopback port that was free a moment ago; nothing listens there, so connecting is refused at once.</summary>
    public static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
