using System.Globalization;
using System.Runtime.InteropServices;

namespace FakeUpstream;

/// <summary>
/// <c>FakeUpstream [--port N] [--mode default|bench|conformance] [--chunks N] [--delay-ms D]</c>: prints one line
/// <c>listening http://127.0.0.1:PORT/</c> and serves until stdin reaches EOF, Ctrl+C or SIGTERM.
/// <para>Scripts cannot reach a separate process, so in default mode the model name picks the reply
/// (see <see cref="ByModelName"/>): Pester tests use models such as <c>fail-500</c> or <c>fail-401</c>.</para>
/// </summary>
internal static class Program
{
    private const string Usage = "usage: FakeUpstream [--port N] [--mode default|bench|conformance] [--chunks N] [--delay-ms D]";

    private static async Task<int> Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (FormatException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message + Environment.NewLine + Usage).ConfigureAwait(false);
            return 2;
        }

        await using FakeUpstreamServer server = FakeUpstreamServer.Start(options.Port);
        if (options.Bench)
        {
            // Every chat/messages request gets the same small answer; nothing is recorded.
            server.RecordRequests = false;
            server.ScriptDefault(FakeReply.Stream(options.Chunks, TimeSpan.FromMilliseconds(options.DelayMs)));
        }
        else if (options.Conformance)
        {
            // Out-of-process clients pick replies by model name (see ConformanceScript).
            ConformanceScript.Install(server);
        }
        else
        {
            server.Handle(ByModelName);
        }

        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.TrySetResult();
        };
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.TrySetResult();
        });
        var stdinClosed = Task.Run(async () =>
        {
            // A parent that closes our stdin (or dies) stops us; no orphaned servers after a test run.
            using Stream stdin = Console.OpenStandardInput();
            byte[] sink = new byte[256];
            while (await stdin.ReadAsync(sink).ConfigureAwait(false) > 0)
            {
            }
        });

        Console.Out.WriteLine("listening " + server.BaseUrl.AbsoluteUri);
        Console.Out.Flush();
        await Task.WhenAny(stop.Task, stdinClosed).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// <c>fail-500</c>: a 500; <c>fail-401</c>: invalid_api_key; <c>fail-429</c>: rate limited (Retry-After 60);
    /// <c>fail-quota</c>: quota_exceeded; <c>slow-N</c>: the usual answer after N milliseconds; anything else: the default reply.
    /// </summary>
    private static FakeReply? ByModelName(RecordedRequest request) => request.Model switch
    {
        "fail-500" => FakeReply.ServerError(500),
        "fail-401" => FakeReply.InvalidApiKey(),
        "fail-429" => FakeReply.RateLimited(60),
        "fail-quota" => FakeReply.QuotaExceeded(),
        { } model when model.StartsWith("slow-", StringComparison.Ordinal) && int.TryParse(model.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int ms)
            => FakeReply.SlowFirstByte(TimeSpan.FromMilliseconds(ms), FakeReply.Text("Hello from fake upstream")),
        _ => null,
    };

    private sealed record Options(int Port, bool Bench, bool Conformance, int Chunks, int DelayMs)
    {
        public static Options Parse(string[] args)
        {
            int port = 0;
            bool bench = false;
            bool conformance = false;
            int chunks = 10;
            int delayMs = 0;
            for (int i = 0; i < args.Length; i++)
            {
                string name = args[i];
                string value = i + 1 < args.Length ? args[++i] : throw new FormatException("Option '" + name + "' needs a value.");
                switch (name)
                {
                    case "--port":
                        port = ParseNumber(name, value, 0, 65535);
                        break;
                    case "--mode":
                        bench = string.Equals(value, "bench", StringComparison.Ordinal);
                        conformance = string.Equals(value, "conformance", StringComparison.Ordinal);
                        if (!bench && !conformance && !string.Equals(value, "default", StringComparison.Ordinal))
                        {
                            throw new FormatException("--mode must be 'default', 'bench' or 'conformance', not '" + value + "'.");
                        }

                        break;
                    case "--chunks":
                        chunks = ParseNumber(name, value, 0, 1_000_000);
                        break;
                    case "--delay-ms":
                        delayMs = ParseNumber(name, value, 0, 600_000);
                        break;
                    default:
                        throw new FormatException("Unknown option '" + name + "'.");
                }
            }

            return new Options(port, bench, conformance, chunks, delayMs);
        }

        private static int ParseNumber(string name, string value, int min, int max)
        {
            if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int number) || number < min || number > max)
            {
                throw new FormatException(name + " must be a whole number from " + min.ToString(CultureInfo.InvariantCulture) + " to " + max.ToString(CultureInfo.InvariantCulture) + ", not '" + value + "'.");
            }

            return number;
        }
    }
}
