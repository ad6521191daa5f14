using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ccr.Core.Tests.TestSupport;

/// <summary>
/// A real redis-server of the test's own, on a free 127.0.0.1 port with its files in a temp folder (never the machine's
/// service). It can be killed and started again on the same port, with its data kept when <c>durable</c> (append-only
/// file, fsync on every write, so a kill loses nothing that was acknowledged).
/// </summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly string _folder;
    private readonly string? _password;
    private readonly bool _durable;
    private Process? _process;

    private RedisServer(int port, string folder, string? password, bool durable)
    {
        Port = port;
        _folder = folder;
        _password = password;
        _durable = durable;
    }

    public int Port { get; }

    public string Url => "redis://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture) + "/0";

    /// <summary>redis-server's full path, or null when it is not on PATH.</summary>
    public static string? FindExecutable()
    {
        // Windows has no official redis-server; a port (Memurai, or WSL's) would be redis-server.exe on PATH.
        string name = OperatingSystem.IsWindows() ? "redis-server.exe" : "redis-server";
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<RedisServer> StartAsync(string? password = null, bool durable = false)
    {
        string folder = Path.Combine(Path.GetTempPath(), "ccr-redis-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var server = new RedisServer(FreePort(), folder, password, durable);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Kills the server at once (no shutdown save), as a crash or a pulled cable would end it.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the server again on the same port and folder.</summary>
    public Task RestartAsync() => StartProcessAsync();

    /// <summary>A StackExchange.Redis connection to this server, for tests that drive it as Ccr does.</summary>
    public Task<StackExchange.Redis.ConnectionMultiplexer> ConnectAsync() =>
        StackExchange.Redis.ConnectionMultiplexer.ConnectAsync("127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture));

    /// <summary>Runs one command through redis-cli-free raw RESP and returns the reply line (for test assertions).</summary>
    public async Task<string> CommandAsync(params string[] args)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port);
        using NetworkStream stream = client.GetStream();
        if (_password is not null)
        {
            await SendAsync(stream, "AUTH", _password);
            await ReadReplyAsync(stream);
        }

        await SendAsync(stream, args);
        return await ReadReplyAsync(stream);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held on Windows; the temp folder is cleaned by the OS.
        }
    }

    private async Task StartProcessAsync()
    {
        string exe = FindExecutable() ?? throw new InvalidOperationException(
            "redis-server is not on PATH. Install it (Debian/Ubuntu: apt-get install redis-server; .ci/run does this) to run the shared-state tests.");
        var start = new ProcessStartInfo(exe) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        foreach (string arg in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _folder, "--save", "", "--daemonize", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--appendonly");
        start.ArgumentList.Add(_durable ? "yes" : "no");
        if (_durable)
        {
            start.ArgumentList.Add("--appendfsync");
            start.ArgumentList.Add("always");
        }

        if (_password is not null)
        {
            start.ArgumentList.Add("--requirepass");
            start.ArgumentList.Add(_password);
        }

        var output = new StringBuilder();
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Process process = new() { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                ready.TrySetException(new InvalidOperationException("redis-server exited before it was ready:\n" + output));
                return;
            }

            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        // Its own log line says it listens; a generous bound only turns a hang into a failure with the log attached.
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.StartsWith("+PONG", await CommandAsync("PING"), StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task SendAsync(NetworkStream stream, params string[] args)
    {
        var text = new StringBuilder();
        text.Append('*').Append(args.Length.ToString(CultureInfo.InvariantCulture)).Append("\r\n");
        foreach (string arg in args)
        {
            text.Append('$').Append(Encoding.UTF8.GetByteCount(arg).ToString(CultureInfo.InvariantCulture)).Append("\r\n").Append(arg).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()));
    }

    private static async Task<string> ReadReplyAsync(NetworkStream stream)
    {
        var buffer = new byte[64 * 1024];
        int read = await stream.ReadAsync(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }
}
