using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Ccr.Core.Config;

namespace Ccr.Core.Server;

/// <summary>
/// The capability to stop a proxy from another session: a random token the proxy writes to a file
/// only its user can read, and demands on <c>POST /ccr/shutdown</c>. Liveness is never read from
/// this file (the port is asked); it only proves the caller is the same user.
/// </summary>
internal static class ControlFile
{
    public static string PathFor(string stateFolder, int port) =>
        Path.Combine(stateFolder, "proxy-" + port.ToString(CultureInfo.InvariantCulture) + ".control");

    public static string NewToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    public static void Write(string stateFolder, int port, string token)
    {
        Directory.CreateDirectory(stateFolder);

        // Owner-only on every OS (mode 600, or an ACL for this user alone on Windows): the token lets its reader stop
        // the proxy, and a CCR_HOME outside the profile would otherwise inherit a folder ACL that lets other users read it.
        // Written atomically, so a Stop-CcrProxy reading it meanwhile sees the old token or the new one, never a torn file.
        AtomicFile.Write(PathFor(stateFolder, port), stream =>
        {
            using var writer = new Utf8JsonWriter(stream);
            writer.WriteStartObject();
            writer.WriteNumber("pid", Environment.ProcessId);
            writer.WriteNumber("port", port);
            writer.WriteString("token", token);
            writer.WriteEndObject();
        }, ownerOnly: true);
    }

    public static string? ReadToken(string stateFolder, int port) =>
        Read(stateFolder, port, static root => root.TryGetProperty("token", out JsonElement token) ? token.GetString() : null);

    /// <summary>The process id of the proxy that wrote the file, or null.</summary>
    public static int? ReadPid(string stateFolder, int port) =>
        Read(stateFolder, port, static root => root.TryGetProperty("pid", out JsonElement pid) && pid.TryGetInt32(out int value) ? value : (int?)null);

    private static T? Read<T>(string stateFolder, int port, Func<JsonElement, T?> pick)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(AtomicFile.ReadAllBytes(PathFor(stateFolder, port)));
            return pick(document.RootElement);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return default;
        }
    }

    public static void Delete(string stateFolder, int port, string token)
    {
        // Only our own file: a newer proxy on the same port may have replaced it.
        if (ReadToken(stateFolder, port) == token)
        {
            try
            {
                File.Delete(PathFor(stateFolder, port));
            }
            catch (IOException)
            {
            }
        }
    }
}
