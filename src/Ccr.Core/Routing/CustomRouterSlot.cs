using Ccr.Core.Config;
using Ccr.Core.Telemetry;

namespace Ccr.Core.Routing;

/// <summary>
/// Which custom router script a proxy runs, and keeping it current: the file <c>CUSTOM_ROUTER_PATH</c> names (watched, reloaded
/// on edit, switched when a config reload changes the path) unless a script was registered in the session
/// (Register-CcrRouter), which wins while it stays. A script that does not load leaves the last good one in place and says why
/// in the decision log. Scripts are compiled and run by the host's compiler (Ccr.PowerShell); a host without one warns once
/// and routes as if no script were set.
/// </summary>
internal sealed class CustomRouterSlot : IAsyncDisposable
{
    private readonly Func<string, string, ICustomRouterScript>? _compiler;
    private readonly DecisionLog _log;
    private readonly Action<string>? _warning;
    private readonly SemaphoreSlim _loadGate = new(1, 1);
    private readonly object _gate = new();
    private FileChangeWatcher? _watcher;
    private string? _path;
    private string? _loadedText;
    private ICustomRouterScript? _fileScript;
    private ICustomRouterScript? _registered;
    private string? _registeredSource;
    private string? _lastRefusal;
    private int _timeoutMs = 100;
    private bool _warnedNoHost;
    private bool _disposed;

    public CustomRouterSlot(Func<string, string, ICustomRouterScript>? compiler, DecisionLog log, Action<string>? warning)
    {
        _compiler = compiler;
        _log = log;
        _warning = warning;
    }

    /// <summary>The script requests are given to, or null: the registered one, else the file's.</summary>
    public ICustomRouterScript? Current
    {
        get
        {
            ICustomRouterScript? registered = Volatile.Read(ref _registered);
            return registered ?? Volatile.Read(ref _fileScript);
        }
    }

    /// <summary>How long one call may take (<c>CUSTOM_ROUTER_TIMEOUT_MS</c> of the current config).</summary>
    public TimeSpan Timeout => TimeSpan.FromMilliseconds(Volatile.Read(ref _timeoutMs));

    /// <summary>Why the last load of the script file was refused, or null after a good one (Start-CcrProxy shows it as a warning).</summary>
    public string? LastLoadError { get; private set; }

    /// <summary>
    /// Which script routes and how it stands, for Get-CcrProxy and <c>/health</c>: <c>none</c>, the file's path, the path
    /// with why it is not (or no longer) the one loaded, and <c>Register-CcrRouter</c> ahead of it while one is registered.
    /// </summary>
    public string Describe()
    {
        string? path;
        lock (_gate)
        {
            path = _path;
        }

        string? file = path is null ? null : DescribeFile(path);
        if (Volatile.Read(ref _registered) is not null)
        {
            return (Volatile.Read(ref _registeredSource) ?? "a registered script") + (file is null ? "" : ", ahead of " + file);
        }

        return file ?? "none";
    }

    private string DescribeFile(string path)
    {
        if (_compiler is null)
        {
            return path + " (not run: this proxy was started without the Ccr PowerShell module)";
        }

        string? refusal = Volatile.Read(ref _lastRefusal);
        bool loaded = Volatile.Read(ref _fileScript) is not null;
        return (loaded, refusal) switch
        {
            (true, null) => path,
            (true, _) => path + " (its last edit was not loaded: " + refusal + "; the script loaded before routes)",
            (false, null) => path + " (loading)",
            (false, _) => path + " (not loaded: " + refusal + ")",
        };
    }

    /// <summary>Completes when the file named by the last config applied has been loaded or refused.</summary>
    public Task FileLoaded { get; private set; } = Task.CompletedTask;

    /// <summary>Follows a loaded (or reloaded) config: its time budget, and its script file when the path changed.</summary>
    public void Apply(CcrConfig config)
    {
        Volatile.Write(ref _timeoutMs, config.CustomRouterTimeoutMs);
        string? path = config.CustomRouterPath;
        lock (_gate)
        {
            if (_disposed || string.Equals(path, _path, StringComparison.Ordinal))
            {
                return;
            }

            _path = path;
            _watcher?.Dispose();
            _watcher = null;
            _loadedText = null;
            Volatile.Write(ref _lastRefusal, null);
            if (path is null)
            {
                ICustomRouterScript? old = Interlocked.Exchange(ref _fileScript, null);
                FileLoaded = DisposeLaterAsync(old);
                return;
            }

            if (_compiler is null)
            {
                if (!_warnedNoHost)
                {
                    _warnedNoHost = true;
                    Warn("CUSTOM_ROUTER_PATH names " + path + ", but this proxy was started without the Ccr PowerShell module, which runs router scripts; it routes without the script. Start it with Start-CcrProxy.");
                }

                return;
            }

            _watcher = new FileChangeWatcher(path, () => _ = LoadFileAsync(path, pathChanged: false));
            FileLoaded = LoadFileAsync(path, pathChanged: true);
        }
    }

    /// <summary>Compiles <paramref name="scriptText"/> and, once it is ready, gives it every request until <see cref="UnregisterAsync"/>.</summary>
    /// <exception cref="CustomRouterScriptException">It does not parse, or its runspaces did not open; the script in use stays.</exception>
    public async Task RegisterAsync(string scriptText, string sourceName)
    {
        if (_compiler is null)
        {
            throw new CustomRouterScriptException("This proxy was started without the Ccr PowerShell module, so it cannot run router scripts.");
        }

        ICustomRouterScript script = _compiler(scriptText, sourceName);
        try
        {
            await script.Ready.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await script.DisposeAsync().ConfigureAwait(false);
            throw e as CustomRouterScriptException ?? new CustomRouterScriptException(e.Message, e);
        }

        ICustomRouterScript? old = Interlocked.Exchange(ref _registered, script);
        Volatile.Write(ref _registeredSource, sourceName);
        _log.Info("custom router registered (" + sourceName + "); it takes precedence over CUSTOM_ROUTER_PATH until Unregister-CcrRouter");
        await DisposeLaterAsync(old).ConfigureAwait(false);
    }

    /// <summary>Removes the registered script; requests go back to the file's script, if any. False when none was registered.</summary>
    public async Task<bool> UnregisterAsync()
    {
        ICustomRouterScript? old = Interlocked.Exchange(ref _registered, null);
        if (old is null)
        {
            return false;
        }

        _log.Info("custom router unregistered");
        await DisposeLaterAsync(old).ConfigureAwait(false);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _watcher?.Dispose();
            _watcher = null;
        }

        await DisposeLaterAsync(Interlocked.Exchange(ref _registered, null)).ConfigureAwait(false);
        await DisposeLaterAsync(Interlocked.Exchange(ref _fileScript, null)).ConfigureAwait(false);
    }

    private async Task LoadFileAsync(string path, bool pathChanged)
    {
        // One load at a time, in order: two quick saves must not let the older text win.
        await _loadGate.WaitAsync().ConfigureAwait(false);
        try
        {
            string? text = await ReadTextAsync(path).ConfigureAwait(false);
            lock (_gate)
            {
                if (_disposed || !string.Equals(_path, path, StringComparison.Ordinal))
                {
                    return;
                }

                if (text is not null && string.Equals(text, _loadedText, StringComparison.Ordinal))
                {
                    return;
                }
            }

            if (text is null)
            {
                Refuse(path, pathChanged ? "the file does not exist (yet); Ccr routes without it and loads it when it appears" : "the file is gone or cannot be read; keeping the script loaded before");
                return;
            }

            ICustomRouterScript? script = null;
            try
            {
                script = _compiler!(text, path);
                await script.Ready.ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A script that parsed but could not open its runspaces still holds the ones that did.
                await DisposeLaterAsync(script).ConfigureAwait(false);
                lock (_gate)
                {
                    _loadedText = text;
                }

                // Whatever the host threw, a watcher callback must not end with an unobserved exception: it is reported here.
                Refuse(path, e.Message + (Current is null ? "" : "; keeping the script loaded before"));
                return;
            }

            ICustomRouterScript? old;
            lock (_gate)
            {
                if (_disposed || !string.Equals(_path, path, StringComparison.Ordinal))
                {
                    old = script;
                }
                else
                {
                    _loadedText = text;
                    old = Interlocked.Exchange(ref _fileScript, script);
                }
            }

            if (!ReferenceEquals(old, script))
            {
                LastLoadError = null;
                Volatile.Write(ref _lastRefusal, null);
                _log.Info("custom router loaded from " + path);
            }

            await DisposeLaterAsync(old).ConfigureAwait(false);
        }
        finally
        {
            _loadGate.Release();
        }
    }

    private void Refuse(string path, string why)
    {
        LastLoadError = "The custom router " + path + " was not loaded: " + why + ".";
        Volatile.Write(ref _lastRefusal, why);
        _log.Write(new DecisionLogEntry { Event = "custom_router", Outcome = "not_loaded", Reason = path + ": " + why });
        Warn("custom router " + path + " not loaded: " + why);
    }

    private void Warn(string message)
    {
        _log.Warn(message);
        _warning?.Invoke(message);
    }

    private static async Task DisposeLaterAsync(ICustomRouterScript? script)
    {
        if (script is not null)
        {
            await script.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The file's text, or null when it is missing or stays unreadable. Windows refuses to open a file another program holds
    /// (an editor saving, an antivirus scanning it), so a few short, awaited retries ride over that moment; on Linux and macOS
    /// an open never fails that way and the first try decides.
    /// </summary>
    private static async Task<string?> ReadTextAsync(string path)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return AtomicFile.ReadAllText(path);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
            catch (Exception e) when ((e is IOException or UnauthorizedAccessException) && attempt < 5)
            {
                await Task.Delay(50).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
