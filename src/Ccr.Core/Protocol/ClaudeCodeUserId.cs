using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>
/// Reads the session id out of the <c>metadata.user_id</c> Claude Code sends with every Messages request.
/// Claude Code 2.1 sends a JSON object as a string (<c>{"device_id":…,"account_uuid":…,"session_id":…}</c>);
/// older versions sent <c>user_&lt;hash&gt;_account_&lt;uuid&gt;_session_&lt;id&gt;</c>.
/// </summary>
internal static class ClaudeCodeUserId
{
    private const string LegacyMarker = "_session_";

    // A user_id is a few hundred bytes; anything much larger is not Claude Code's and is not worth decoding.
    private const int MaxLength = 4096;

    /// <summary>The session id in <paramref name="userId"/>, or null when it carries none.</summary>
    public static string? SessionOf(string userId)
    {
        if (userId.Length == 0 || userId.Length > MaxLength)
        {
            return null;
        }

        if (userId[0] == '{')
        {
            return FromJson(userId);
        }

        int marker = userId.LastIndexOf(LegacyMarker, StringComparison.Ordinal);
        if (marker < 0 || marker + LegacyMarker.Length == userId.Length)
        {
            return null;
        }

        return userId[(marker + LegacyMarker.Length)..];
    }

    /// <summary>
    /// The string value of <c>session_id</c> in the JSON object that <paramref name="reader"/> starts at (other members are
    /// skipped, never decoded), or null when it has none or is not an object. Claude Code names its session this way in
    /// both the user_id object and the status-line JSON it pipes to the command; each caller picks its reader options.
    /// </summary>
    /// <exception cref="JsonException">The text is not JSON.</exception>
    internal static string? ReadSessionIdProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isSession = reader.ValueTextEquals("session_id"u8);
            reader.Read();
            if (isSession)
            {
                return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }

            reader.Skip();
        }

        return null;
    }

    private static string? FromJson(string userId)
    {
        byte[] rented = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(userId.Length));
        try
        {
            int length = Encoding.UTF8.GetBytes(userId, rented);
            var reader = new Utf8JsonReader(rented.AsSpan(0, length));
            string? id = ReadSessionIdProperty(ref reader);
            return string.IsNullOrEmpty(id) ? null : id;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not the JSON Claude Code sends: no session, and never a failed request over it.
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
