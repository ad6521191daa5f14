using System.Globalization;

namespace Ccr.Bench;

/// <summary>Command line of the harness. Defaults are the full run; --quick and --smoke shrink every cell.</summary>
internal sealed class BenchOptions
{
    public string Mode { get; private set; } = "full";

    public string? ModulePath { get; private set; }

    public string ResultsPath { get; private set; } = Path.Combine("bench", "RESULTS.md");

    public string? JsonPath { get; private set; }

    public TimeSpan CellDuration { get; private set; } = TimeSpan.FromSeconds(10);

    public TimeSpan WarmUp { get; private set; } = TimeSpan.FromSeconds(2);

    public int Rounds { get; private set; } = 2;

    public int[] Connections { get; private set; } = [1, 32];

    /// <summary>Burst sizes, each measured on its own; the goals read the largest.</summary>
    public int[] Streams { get; private set; } = [200, 1000];

    public int Chunks { get; private set; } = 50;

    public int DelayMs { get; private set; } = 10;

    public int CountTokens { get; private set; } = 200_000;

    public int CountTokenSamples { get; private set; } = 10;

    /// <summary>POST /ccr/statusline samples (after a tenth as many, at least 50, for warm-up).</summary>
    public int StatusLineSamples { get; private set; } = 5000;

    /// <summary>Requests per variant in the custom router scenario.</summary>
    public int CustomRouterSamples { get; private set; } = 3000;

    public int StartupSamples { get; private set; } = 3;

    public bool Router { get; private set; } = true;

    public string RouterVersion { get; private set; } = "2.0.0";

    public bool Micro { get; private set; }

    public bool Counters { get; private set; } = true;

    /// <summary>Scenarios to run (load, streams, tokens); empty runs them all. Start-up is measured whenever Ccr starts.</summary>
    public HashSet<string> Only { get; } = new(StringComparer.OrdinalIgnoreCase);

    public bool Runs(string scenario) => Only.Count == 0 || Only.Contains(scenario);

    // Mock mode.
    public int MockPort { get; private set; }

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        int i = 0;
        if (args.Length > 0 && args[0] == "mock")
        {
            o.Mode = "mock";
            i = 1;
        }

        // Presets first so explicit switches after them win.
        if (args.Contains("--quick"))
        {
            o.Mode = o.Mode == "mock" ? "mock" : "quick";
            o.CellDuration = TimeSpan.FromSeconds(1);
            o.WarmUp = TimeSpan.FromSeconds(0.5);
            o.Rounds = 1;
            o.CountTokenSamples = 3;
            o.StartupSamples = 1;
            o.CustomRouterSamples = 1000;
        }

        if (args.Contains("--smoke"))
        {
            o.Mode = "smoke";
            o.CellDuration = TimeSpan.FromSeconds(1);
            o.WarmUp = TimeSpan.FromSeconds(0.3);
            o.Rounds = 1;
            o.Connections = [1, 4];
            o.Streams = [20];
            o.Chunks = 5;
            o.DelayMs = 5;
            o.CountTokens = 2000;
            o.CountTokenSamples = 2;
            o.StatusLineSamples = 200;
            o.CustomRouterSamples = 300;
            o.StartupSamples = 1;
            o.Router = false;
            o.Counters = false;
        }

        for (; i < args.Length; i++)
        {
            string a = args[i];
            switch (a)
            {
                case "--quick" or "--smoke":
                    break;
                case "--module": o.ModulePath = Next(); break;
                case "--results": o.ResultsPath = Next(); break;
                case "--json": o.JsonPath = Next(); break;
                case "--duration": o.CellDuration = TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--rounds": o.Rounds = Int(); break;
                case "--connections": o.Connections = Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--streams": o.Streams = Next().Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--chunks": o.Chunks = Int(); break;
                case "--delay-ms": o.DelayMs = Int(); break;
                case "--count-tokens": o.CountTokens = Int(); break;
                case "--startup-samples": o.StartupSamples = Int(); break;
                case "--port": o.MockPort = Int(); break;
                case "--no-router": o.Router = false; break;
                case "--router": o.Router = true; break;
                case "--router-version": o.RouterVersion = Next(); break;
                case "--micro": o.Micro = true; break;
                case "--no-counters": o.Counters = false; break;
                case "--only":
                    o.Only.UnionWith(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    o.Counters = o.Only.Contains("counters");
                    break;
                default:
                    throw new ArgumentException($"Unknown argument '{a}'. See bench/README.md for the switches.");
            }
        }

        return o;

        string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"'{args[i]}' needs a value.");
        int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
    }
}
