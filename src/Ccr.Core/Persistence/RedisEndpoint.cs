using System.Globalization;
using StackExchange.Redis;

namespace Ccr.Core.Persistence;

/// <summary>
/// A parsed <c>redis_url</c>: <c>redis://[user:password@]host[:port][/db]</c>, or <c>rediss://</c> for TLS. The password is
/// kept for the connection only: <see cref="Display"/> (what logs, diagnostics, /health and Get-CcrProxy show) never holds it.
/// </summary>
internal sealed class RedisEndpoint
{
    private const int DefaultPort = 6379;

    private RedisEndpoint(string host, int port, int database, bool tls, string? user, string? password)
    {
        Host = host;
        Port = port;
        Database = database;
        UseTls = tls;
        User = user;
        Password = password;
        Display = (tls ? "rediss://" : "redis://") + (password is null ? "" : (user is null ? "" : user) + ":***@")
            + (host.Contains(':', StringComparison.Ordinal) ? "[" + host + "]" : host) + ":" + port.ToString(CultureInfo.InvariantCulture)
            + "/" + database.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The server's host name or address.</summary>
    public string Host { get; }

    /// <summary>The server's port (6379 when the URL gives none).</summary>
    public int Port { get; }

    /// <summary>The database number (0 when the URL gives none).</summary>
    public int Database { get; }

    /// <summary>True for <c>rediss://</c>.</summary>
    public bool UseTls { get; }

    /// <summary>The ACL user, when the URL names one.</summary>
    public string? User { get; }

    /// <summary>The password, when the URL gives one; never shown.</summary>
    public string? Password { get; }

    /// <summary>The URL with the password masked.</summary>
    public string Display { get; }

    /// <summary>
    /// Parses <paramref name="url"/>; on failure <paramref name="problem"/> says what is wrong and how to write it, without
    /// repeating the URL (it may hold a password).
    /// </summary>
    public static RedisEndpoint? TryParse(string? url, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(url))
        {
            problem = "redis_url is empty; write e.g. \"redis://127.0.0.1:6379/0\" (or \"rediss://...\" for TLS).";
            return null;
        }

        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out Uri? uri))
        {
            problem = "redis_url is not a URL; write e.g. \"redis://127.0.0.1:6379/0\" or \"redis://:${REDIS_PASSWORD}@host:6379/0\".";
            return null;
        }

        bool tls;
        if (string.Equals(uri.Scheme, "redis", StringComparison.OrdinalIgnoreCase))
        {
            tls = false;
        }
        else if (string.Equals(uri.Scheme, "rediss", StringComparison.OrdinalIgnoreCase))
        {
            tls = true;
        }
        else
        {
            problem = "redis_url has the scheme '" + uri.Scheme + "'; only redis:// and rediss:// (TLS) are understood.";
            return null;
        }

        if (string.IsNullOrEmpty(uri.Host))
        {
            problem = "redis_url names no host; write e.g. \"redis://127.0.0.1:6379/0\".";
            return null;
        }

        int database = 0;
        string path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0 && (!int.TryParse(path, NumberStyles.None, CultureInfo.InvariantCulture, out database) || database > 15_999))
        {
            problem = "redis_url's path '/" + path + "' is not a database number; write e.g. \"redis://host:6379/0\".";
            return null;
        }

        string? user = null;
        string? password = null;
        if (uri.UserInfo.Length > 0)
        {
            string info = uri.UserInfo;
            int colon = info.IndexOf(':', StringComparison.Ordinal);

            // "redis://secret@host" is the common shorthand for a password without a user (as redis-cli reads it).
            string userPart = colon < 0 ? "" : info[..colon];
            string passwordPart = colon < 0 ? info : info[(colon + 1)..];
            user = userPart.Length == 0 ? null : Uri.UnescapeDataString(userPart);
            password = passwordPart.Length == 0 ? null : Uri.UnescapeDataString(passwordPart);
        }

        int port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port;
        return new RedisEndpoint(uri.IdnHost.Trim('[', ']'), port, database, tls, user, password);
    }

    /// <summary>
    /// The client's options: never abort on a failed connect (it retries in the background), fail commands at once while
    /// disconnected instead of queueing them, and short timeouts, so a slow or missing Redis only delays the background loop.
    /// </summary>
    public ConfigurationOptions ToOptions()
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 2000,
            SyncTimeout = 1000,
            AsyncTimeout = 1000,
            ConnectRetry = 1,
            KeepAlive = 5,
            DefaultDatabase = Database,
            Ssl = UseTls,
            SslHost = UseTls ? Host : null,
            User = User,
            Password = Password,
            ClientName = "ccr",
            BacklogPolicy = BacklogPolicy.FailFast,
            ReconnectRetryPolicy = new LinearRetry(1000),
        };
        options.EndPoints.Add(Host, Port);
        return options;
    }
}
