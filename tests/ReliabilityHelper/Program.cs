using System.Globalization;
using Ccr.Core.Config;
using Ccr.Core.Server;
using Ccr.Core.Usage;

// Usage:
//   ReliabilityHelper set-presets <config> <prefix> <count>   adds presets <prefix>0..<count-1>, one Set-CcrPreset-style edit each
//   ReliabilityHelper churn <config>                           rewrites one large preset forever (until killed), printing "ready" first
//   ReliabilityHelper record-usage <store> <count>             records <count> requests (10 in, 2 out tokens each) for shared,m into a usage store
//   ReliabilityHelper proxy <config> <folder>                  serves <config> on a free port (state and logs under <folder>), prints "ready <port>",
//                                                              and stops when standard input closes: the second machine of the shared-state tests
if (args.Length < 2)
{
    Console.Error.WriteLine("usage: ReliabilityHelper set-presets <config> <prefix> <count> | churn <config>");
    return 2;
}

string config = args[1];
switch (args[0])
{
    case "set-presets":
        int count = int.Parse(args[3], CultureInfo.InvariantCulture);
        for (int i = 0; i < count; i++)
        {
            ConfigEditor.SetPreset(
                config,
                new PresetChange { Name = args[2] + i.ToString(CultureInfo.InvariantCulture), Route = "qwen,qwen3-coder-plus", Temperature = 0.5 },
                new ConfigEditOptions { LockTimeout = TimeSpan.FromSeconds(60) });
        }

        Console.WriteLine("done");
        return 0;
    case "churn":
        Console.WriteLine("ready");
        Console.Out.Flush();
        for (long n = 0; ; n++)
        {
            // A large system prompt makes each write take long enough that a kill lands inside it often.
            string system = new string((char)('a' + (int)(n % 26)), 256 * 1024);
            ConfigEditor.SetPreset(config, new PresetChange { Name = "big", Route = "qwen,qwen3-coder-plus", System = system });
        }

    case "record-usage":
        using (var usage = new UsageRecorder(config, TimeProvider.System))
        {
            int requests = int.Parse(args[2], CultureInfo.InvariantCulture);
            for (int i = 0; i < requests; i++)
            {
                usage.Record("shared", "m", null, new UsageCounts { Requests = 1, InputTokens = 10, OutputTokens = 2 });
                if (i % 50 == 0)
                {
                    // Spread the writes out so they interleave with the other process's flushes.
                    Thread.Sleep(20);
                }
            }
        }

        Console.WriteLine("done");
        return 0;
    case "proxy":
        await using (CcrProxy proxy = CcrProxy.Start(new CcrProxyOptions
        {
            ConfigPath = config,
            Port = 0,
            StateFolder = Path.Combine(args[2], "state"),
            LogFolder = Path.Combine(args[2], "logs"),
        }))
        {
            Console.WriteLine("ready " + proxy.Port.ToString(CultureInfo.InvariantCulture));
            Console.Out.Flush();

            // The test ends this process by closing our standard input (or killing it): no signal, so the same on every OS.
            await Console.In.ReadToEndAsync();
        }

        return 0;
    default:
        Console.Error.WriteLine("unknown command " + args[0]);
        return 2;
}
