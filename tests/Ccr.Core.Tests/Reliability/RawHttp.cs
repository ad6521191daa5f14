using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Ccr.Core.Tests.Reliability;

/// <summary>Exact bytes over a loopback socket, for requests HttpClient would normalise or refuse to send.</summary>
internal static class RawHttp
{
    /// <summary>Sends <paramref name="request"/> and reads until the server closes or <paramref name="timeout"/> passes; status 0 means no status line came back.</summary>
    public static async Task<(int Status, string Text)> SendAsync(int port, byte[] request, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port, cts.Token);
        NetworkStream stream = client.GetStream();
        try
        {
            await stream.WriteAsync(request, cts.Token);
        }
        catch (IOException)
        {
            // The server may answer (413, 400) and close before the whole request is written.
        }

        var received = new MemoryStream();
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                int read = await stream.ReadAsync(buffer, cts.Token);
                if (read == 0)
                {
                    break;
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (IOException)
        {
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException("no complete answer within " + timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s; received: " + Encoding.UTF8.GetString(received.ToArray()));
        }

        string text = Encoding.UTF8.GetString(received.ToArray());
        return (StatusOf(text), text);
    }

    public static byte[] Request(string method, string target, byte[]? body, params string[] headers)
    {
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        foreach (string header in headers)
        {
            head.Append(header).Append("\r\n");
        }

        if (body is not null)
        {
            head.Append("Content-Type: application/json\r\nContent-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        }

        head.Append("\r\n");
        byte[] headBytes = Encoding.UTF8.GetBytes(head.ToString());
        return body is null ? headBytes : [.. headBytes, .. body];
    }

    public static int StatusOf(string response)
    {
        if (!response.StartsWith("HTTP/1.", StringComparison.Ordinal) || response.Length < 12)
        {
            return 0;
        }

        return int.TryParse(response.AsSpan(9, 3), NumberStyles.None, CultureInfo.InvariantCulture, out int status) ? status : 0;
    }
}
