using Spectre.Console;
using Spectre.Console.Rendering;

namespace Ccr.Core.Dashboard;

/// <summary>
/// Watch-CcrProxy's live view on the process's own terminal. The one place in Core that draws on the console: Spectre.Console
/// lives in the module's load context with Core, so the cmdlet hands over and this class owns the terminal until the user
/// leaves. It draws in the alternate screen buffer (the user's scrollback is untouched and comes back on exit), reads keys
/// on the calling thread between frames (never blocking a thread-pool thread), and always restores Ctrl+C handling and
/// the cursor, whatever ends the loop.
/// </summary>
internal static class DashboardTerminal
{
    private static readonly TimeSpan s_keyPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Whether both ends of this process's console are a terminal a person can watch and type into; false when output or
    /// input is redirected (a pipe, a file, CI), where the cmdlet prints one snapshot instead.
    /// </summary>
    public static bool IsTerminal => !Console.IsOutputRedirected && !Console.IsInputRedirected;

    /// <summary>True when the user asked for no colour (https://no-color.org: NO_COLOR set and not empty).</summary>
    public static bool NoColor => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    /// <summary>The terminal's width, or <paramref name="fallback"/> when there is no terminal to ask.</summary>
    public static int Width(int fallback)
    {
        try
        {
            return Console.IsOutputRedirected || Console.WindowWidth <= 0 ? fallback : Console.WindowWidth;
        }
        catch (IOException)
        {
            return fallback;
        }
    }

    /// <summary>Draws <paramref name="feed"/> every <paramref name="refresh"/> until q, Esc, Ctrl+C or <paramref name="cancellationToken"/>.</summary>
    public static void Run(DashboardFeed feed, TimeSpan refresh, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(feed);
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = NoColor ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(Console.Out),
        });

        // Ctrl+C is a key while watching, like q, so leaving is always the same orderly path that restores the terminal; on
        // Windows this turns off the console's processed input, on Unix the terminal's ISIG, both put back in finally.
        bool treatControlCAsInput = Console.TreatControlCAsInput;
        Console.TreatControlCAsInput = true;
        try
        {
            // conhost before Windows 10 and dumb terminals have no alternate buffer: draw in place instead.
            if (console.Profile.Capabilities.Ansi && console.Profile.Capabilities.AlternateBuffer)
            {
                console.AlternateScreen(() => Loop(console, feed, refresh, cancellationToken));
            }
            else
            {
                Loop(console, feed, refresh, cancellationToken);
            }
        }
        finally
        {
            Console.TreatControlCAsInput = treatControlCAsInput;
            console.Cursor.Show();
        }
    }

    private static void Loop(IAnsiConsole console, DashboardFeed feed, TimeSpan refresh, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bool unicode = console.Profile.Capabilities.Unicode;
        TimeZoneInfo zone = TimeZoneInfo.Local;
        DashboardSnapshot? current = null;
        Task<DashboardSnapshot>? pending = feed.ReadAsync(stop.Token);
        long nextRead = long.MaxValue;
        (int Width, int Height) size = Size(console);
        console.Cursor.Hide();
        console.Clear(home: true);
        try
        {
            console.Live(Frame(current, feed, size, unicode, zone))
                .AutoClear(false)
                .Overflow(VerticalOverflow.Crop)
                .Cropping(VerticalOverflowCropping.Bottom)
                .Start(context =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        if (QuitPressed())
                        {
                            return;
                        }

                        bool redraw = false;
                        if (pending is { IsCompleted: true })
                        {
                            current = Completed(pending, current, feed);
                            pending = null;
                            nextRead = Environment.TickCount64 + (long)refresh.TotalMilliseconds;
                            redraw = true;
                        }

                        if (pending is null && Environment.TickCount64 >= nextRead)
                        {
                            pending = feed.ReadAsync(stop.Token);
                        }

                        (int Width, int Height) now = Size(console);
                        if (now != size)
                        {
                            // A smaller terminal would keep the old frame's right edge and bottom lines: start clean.
                            size = now;
                            console.Clear(home: true);
                            redraw = true;
                        }

                        if (redraw)
                        {
                            context.UpdateTarget(Frame(current, feed, size, unicode, zone));
                            context.Refresh();
                        }

                        stop.Token.WaitHandle.WaitOne(s_keyPoll);
                    }
                });
        }
        finally
        {
            // A read still in flight ends on its own within its time limit; nothing waits for it.
            stop.Cancel();
            console.Clear(home: true);
        }
    }

    private static DashboardSnapshot Completed(Task<DashboardSnapshot> read, DashboardSnapshot? last, DashboardFeed feed)
    {
        if (read.IsCompletedSuccessfully)
        {
            return read.Result;
        }

        string why = read.Exception?.GetBaseException().Message ?? "the read was cancelled";
        DashboardSnapshot empty = last ?? new DashboardSnapshot(DateTimeOffset.UtcNow, feed.Address, null, Array.Empty<Server.TierStatus>(), null, Array.Empty<QuotaRow>(), null);
        return empty with { Time = DateTimeOffset.UtcNow, Problem = "Could not read the proxy on " + feed.Address + " (" + why + "); retrying." };
    }

    private static IRenderable Frame(DashboardSnapshot? snapshot, DashboardFeed feed, (int Width, int Height) size, bool unicode, TimeZoneInfo zone)
    {
        if (snapshot is null)
        {
            return new Text("Reading the Ccr proxy on " + feed.Address + "…  (q quits)");
        }

        return DashboardView.Render(snapshot, size.Width, size.Height, unicode, zone);
    }

    private static (int Width, int Height) Size(IAnsiConsole console) => (console.Profile.Width, console.Profile.Height);

    /// <summary>Reads every key waiting (so typed-ahead keys do not spill into the prompt) and says whether one means leave.</summary>
    private static bool QuitPressed()
    {
        bool quit = false;
        while (Console.KeyAvailable)
        {
            ConsoleKeyInfo key = Console.ReadKey(intercept: true);
            quit |= key.Key is ConsoleKey.Q or ConsoleKey.Escape
                || (key.Key == ConsoleKey.C && (key.Modifiers & ConsoleModifiers.Control) != 0)
                || key.KeyChar == '\u0003';
        }

        return quit;
    }
}
