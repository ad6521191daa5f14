using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Ccr.Bench.Targets;

/// <summary>
/// Every process the bench starts, so all of them (with their trees) die when the bench ends, however it
/// ends: normal exit, exception or Ctrl+C.
/// </summary>
internal static class ChildProcesses
{
    private static readonly ConcurrentBag<Process> s_started = [];

    static ChildProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
        Console.CancelKeyPress += (_, _) => KillAll();
    }

    public static Process Start(ProcessStartInfo info, System.Text.StringBuilder? stderr = null)
    {
        info.UseShellExecute = false;
        info.RedirectStandardError = stderr is not null;
        Process process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{info.FileName}'.");
        s_started.Add(process);
        if (stderr is not null)
        {
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (stderr)
                    {
                        stderr.AppendLine(e.Data);
                    }
                }
            };
            process.BeginErrorReadLine();
        }

        return process;
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    public static void KillAll()
    {
        foreach (Process p in s_started)
        {
            Kill(p);
        }
    }

    /// <summary>A free loopback port (bound then released; the window for a race is tiny on a bench box).</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Reads stdout lines until one starts with prefix; stderr is kept for the error message.</summary>
    public static async Task<string> WaitForLineAsync(Process process, string prefix, TimeSpan timeout, Func<string> stderr, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        try
        {
            while (true)
            {
                string? line = await process.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false);
                if (line is null)
                {
                    await Task.Delay(200, ct).ConfigureAwait(false);
                    string err = stderr();
                    throw new InvalidOperationException($"'{process.StartInfo.FileName} {process.StartInfo.Arguments}' ended before printing '{prefix}'. {Trim(err)}");
                }

                if (line.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return line;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"'{process.StartInfo.FileName}' printed no '{prefix}' line within {timeout.TotalSeconds:0} s. {Trim(stderr())}");
        }
    }

    public static string Trim(string text) => text.Length > 600 ? text[..600] + "..." : text.Trim();
}
