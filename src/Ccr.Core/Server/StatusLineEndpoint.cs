using System.Text;
using System.Text.Json;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;
using Ccr.Core.Server.Http;
using Ccr.Core.Sessions;

namespace Ccr.Core.Server;

/// <summary>
/// <c>POST /ccr/statusline</c>: Claude Code's status-line JSON in (the command Install-CcrStatusLine writes
/// posts its stdin here), one line of text out. Never an error for a body it cannot use: a status line
/// that shows an error document is worse than one about the default route.
/// </summary>
internal static class StatusLineEndpoint
{
    private const string ContentType = "text/plain; charset=utf-8";

    /// <summary>Answers the request; returns the status written.</summary>
    public static async Task<int> HandleAsync(HttpContext context, RouterEngine engine)
    {
        string? sessionId = ReadSessionId(context.Body.WrittenSpan);
        bool color = WantsColor(context.Request.RawTarget);
        string line = StatusLineText.Build(engine, sessionId, color);
        await context.Response.WriteCompleteAsync(200, ContentType, Encoding.UTF8.GetBytes(line), CancellationToken.None).ConfigureAwait(false);
        return 200;
    }

    /// <summary>The top-level <c>session_id</c> of Claude Code's status-line JSON, or null.</summary>
    internal static string? ReadSessionId(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            // Only session_id is read; model, workspace, cost... are skipped, never decoded.
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            return ClaudeCodeUserId.ReadSessionIdProperty(ref reader);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not Claude Code's JSON: the default-route line.
        }

        return null;
    }

    /// <summary>
    /// False for <c>?color=0</c> (or <c>false</c>, <c>no</c>, <c>off</c>) and for a non-empty <c>?no_color=</c>: the
    /// proxy cannot see the client's NO_COLOR, so the installed command passes it in the query.
    /// </summary>
    internal static bool WantsColor(string rawTarget)
    {
        int query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            return true;
        }

        foreach (string pair in rawTarget[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            string name = equals < 0 ? pair : pair[..equals];
            string value = equals < 0 ? "" : Uri.UnescapeDataString(pair[(equals + 1)..]);
            if (name.Equals("color", StringComparison.OrdinalIgnoreCase) &&
                (value is "0" || value.Equals("false", StringComparison.OrdinalIgnoreCase) || value.Equals("no", StringComparison.OrdinalIgnoreCase) || value.Equals("off", StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }

            if (name.Equals("no_color", StringComparison.OrdinalIgnoreCase) && value.Length > 0)
            {
                return false;
            }
        }

        return true;
    }
}
