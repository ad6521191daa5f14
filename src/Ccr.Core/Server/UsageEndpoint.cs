using System.Text.Json;
using Ccr.Core.Buffers;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;
using Ccr.Core.Server.Http;
using Ccr.Core.Usage;

namespace Ccr.Core.Server;

/// <summary><c>GET /ccr/usage?since=&amp;until=&amp;by=</c>: the usage report Get-CcrUsage shows, as JSON.</summary>
internal static class UsageEndpoint
{
    /// <summary>Builds the report an engine can give: its counts plus the store's, its config's prices, its quota windows.</summary>
    public static UsageReport Build(RouterEngine engine, UsageQuery query)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(query);
        return UsageReport.Build(engine.Snapshot.Config, engine.Usage.Read, engine.Quota.Snapshot, query.Since, query.Until, query.By, engine.Time.GetUtcNow());
    }

    /// <summary>Answers one request; returns the status written.</summary>
    public static async Task<int> HandleAsync(HttpContext context, RouterEngine engine, string requestId)
    {
        UsageQuery? query = UsageQuery.TryParse(context.Request.RawTarget, engine.Time.GetUtcNow(), out string? error);
        using var buffer = new PooledBufferWriter(4096);
        int status = 200;
        if (query is null)
        {
            status = 400;
            new AnthropicError(400, "invalid_request_error", error ?? "The usage query is not valid.").WriteJson(buffer, requestId);
        }
        else
        {
            using var writer = new Utf8JsonWriter(buffer);
            Build(engine, query).Write(writer);
        }

        await context.Response.WriteCompleteAsync(status, "application/json", buffer.WrittenMemory, CancellationToken.None).ConfigureAwait(false);
        return status;
    }
}
