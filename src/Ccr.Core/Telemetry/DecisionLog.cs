using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.Channels;

namespace Ccr.Core.Telemetry;

/// <summary>
/// The routing-decision log: one JSON line per decision, attempt and diagnostic message in
/// <c>&lt;folder&gt;/ccr.log</c>, rotated by size (<c>ccr.log.1</c> is the newest old file). Request threads
/// only enqueue; a background writer serialises, redacts and writes. When the writer falls behind, the
/// oldest queued lines are dropped (and counted) rather than slowing requests down. Decision entries are
/// written whenever the log is enabled; LOG_LEVEL filters the diagnostic messages.
/// </summary>
internal sealed class DecisionLog : IAsyncDisposable
{
    /// <summary>The live log file's name.</summary>
    public const string FileName = "ccr.log";

    /// <summary>Rotate when the file would grow past this.</summary>
    public const long DefaultMaxFileBytes = 10L * 1024 * 1024;

    /// <summary>Rotated files kept (ccr.log.1 .. ccr.log.5).</summary>
    public const int DefaultKeepFiles = 5;

    private const int QueueCapacity = 16_384;
    private static readonly JsonWriterOptions s_jsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private readonly Channel<LogItem>? _channel;
    private readonly Task _writer = Task.CompletedTask;
    private readonly TimeProvider _time;
    private readonly string _folder;
    private readonly string _path;
    private readonly long _maxFileBytes;
    private readonly int _keepFiles;
    private FileStream? _stream;
    private long _size;
    private long _accepted;
    private long _completed;
    private long _dropped;
    private long _writeErrors;
    private int _disposed;

    /// <summary>Creates the log in <paramref name="folder"/>; nothing is written when <paramref name="enabled"/> is false.</summary>
    public DecisionLog(string folder, bool enabled, string level)
        : this(folder, enabled, level, time: null)
    {
    }

    /// <summary>Creates the log with an explicit clock and rotation policy.</summary>
    public DecisionLog(string folder, bool enabled, string level, TimeProvider? time, long maxFileBytes = DefaultMaxFileBytes, int keepFiles = DefaultKeepFiles)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFileBytes, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepFiles, 0);
        _time = time ?? TimeProvider.System;
        _folder = Path.GetFullPath(folder);
        _path = Path.Combine(_folder, FileName);
        _maxFileBytes = maxFileBytes;
        _keepFiles = keepFiles;
        Level = ParseLevel(level);
        Enabled = enabled;
        if (!enabled)
        {
            return;
        }

        var options = new BoundedChannelOptions(QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = false,
            AllowSynchronousContinuations = false,
        };
        _channel = Channel.CreateBounded<LogItem>(options, _ =>
        {
            Interlocked.Increment(ref _dropped);
            Interlocked.Increment(ref _completed);
        });
        _writer = Task.Run(RunWriterAsync);
    }

    /// <summary>Whether anything is written (LOG).</summary>
    public bool Enabled { get; }

    /// <summary>The lowest message level written (LOG_LEVEL).</summary>
    public CcrLogLevel Level { get; }

    /// <summary>The live log file, or null when logging is off.</summary>
    public string? CurrentFilePath => Enabled ? _path : null;

    /// <summary>Lines dropped because the writer fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The last attempt and result lines, kept in memory even when the file is off (the dashboard reads them).</summary>
    public RecentDecisions Recent { get; } = new();

    /// <summary>Lines that could not be written (disk full, folder not writable).</summary>
    public long WriteErrors => Interlocked.Read(ref _writeErrors);

    /// <summary>Reads LOG_LEVEL (debug, info, warn/warning, error; trace means debug); anything else is info.</summary>
    public static CcrLogLevel ParseLevel(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        "debug" or "trace" => CcrLogLevel.Debug,
        "warn" or "warning" => CcrLogLevel.Warn,
        "error" or "fatal" => CcrLogLevel.Error,
        _ => CcrLogLevel.Info,
    };

    /// <summary>True when messages of <paramref name="level"/> are written.</summary>
    public bool IsEnabled(CcrLogLevel level) => Enabled && level >= Level;

    /// <summary>Queues a decision line. Never blocks and never throws.</summary>
    public void Write(in DecisionLogEntry entry)
    {
        DecisionLogEntry stamped = entry.Time == default ? entry with { Time = _time.GetUtcNow() } : entry;
        Recent.Add(stamped);
        if (_channel is null)
        {
            return;
        }

        Enqueue(new LogItem(stamped, CcrLogLevel.Info, Message: null));
    }

    /// <summary>Queues a debug message.</summary>
    public void Debug(string message, string? requestId = null) => Message(CcrLogLevel.Debug, message, requestId);

    /// <summary>Queues an info message.</summary>
    public void Info(string message, string? requestId = null) => Message(CcrLogLevel.Info, message, requestId);

    /// <summary>Queues a warning.</summary>
    public void Warn(string message, string? requestId = null) => Message(CcrLogLevel.Warn, message, requestId);

    /// <summary>Queues an error message.</summary>
    public void Error(string message, string? requestId = null) => Message(CcrLogLevel.Error, message, requestId);

    /// <summary>Waits until everything queued before the call is on disk (or dropped).</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        long target = Interlocked.Read(ref _accepted);
        while (Interlocked.Read(ref _completed) < target && !_writer.IsCompleted)
        {
            await Task.Delay(2, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Writes what is queued and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1 || _channel is null)
        {
            return;
        }

        _channel.Writer.TryComplete();
        try
        {
            await _writer.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A stuck disk must not hang shutdown; what was not written is lost, as with a crash.
        }
    }

    private void Message(CcrLogLevel level, string message, string? requestId)
    {
        if (_channel is null || level < Level)
        {
            return;
        }

        Enqueue(new LogItem(new DecisionLogEntry { Time = _time.GetUtcNow(), RequestId = requestId }, level, message ?? ""));
    }

    private void Enqueue(in LogItem item)
    {
        if (_channel!.Writer.TryWrite(item))
        {
            Interlocked.Increment(ref _accepted);
        }
    }

    private async Task RunWriterAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using var json = new Utf8JsonWriter(buffer, s_jsonOptions);
        ChannelReader<LogItem> reader = _channel!.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                long done = 0;
                while (reader.TryRead(out LogItem item))
                {
                    done++;
                    buffer.ResetWrittenCount();
                    json.Reset(buffer);
                    Serialize(json, item);
                    json.Flush();
                    buffer.Write("\n"u8);
                    WriteLine(buffer.WrittenSpan);
                }

                FlushFile();
                Interlocked.Add(ref _completed, done);
            }
        }
        finally
        {
            CloseFile();
        }
    }

    private static void Serialize(Utf8JsonWriter json, in LogItem item)
    {
        DecisionLogEntry e = item.Entry;
        json.WriteStartObject();
        json.WriteString("time", e.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        if (item.Message is not null)
        {
            json.WriteString("level", LevelName(item.Level));
            WriteRedacted(json, "request_id", e.RequestId);
            WriteRedacted(json, "message", item.Message);
            json.WriteEndObject();
            return;
        }

        WriteRedacted(json, "request_id", e.RequestId);
        WriteRedacted(json, "event", e.Event);
        WriteRedacted(json, "route_source", e.RouteSource);
        WriteRedacted(json, "preset", e.Preset);
        WriteRedacted(json, "provider", e.Provider);
        WriteRedacted(json, "model", e.Model);
        WriteNumber(json, "tier_index", e.TierIndex);
        WriteRedacted(json, "tier_name", e.TierName);
        WriteNumber(json, "attempt", e.Attempt);
        WriteNumber(json, "status", e.Status);
        WriteRedacted(json, "outcome", e.Outcome);
        WriteRedacted(json, "reason", e.Reason);
        if (e.Until is DateTimeOffset until)
        {
            json.WriteString("until", until.ToUniversalTime());
        }

        if (e.LatencyMs is double latency)
        {
            json.WriteNumber("latency_ms", Math.Round(latency, 1));
        }

        WriteNumber(json, "input_tokens", e.InputTokens);
        WriteNumber(json, "output_tokens", e.OutputTokens);
        WriteRedacted(json, "error_type", e.ErrorType);
        WriteRedacted(json, "error_message", e.ErrorMessage);
        WriteRedacted(json, "deadline", e.Deadline);
        WriteRedacted(json, "body", e.Body);
        json.WriteEndObject();
    }

    private static void WriteRedacted(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, SecretRedactor.Redact(value));
        }
    }

    private static void WriteNumber(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long number)
        {
            json.WriteNumber(name, number);
        }
    }

    private static string LevelName(CcrLogLevel level) => level switch
    {
        CcrLogLevel.Debug => "debug",
        CcrLogLevel.Warn => "warn",
        CcrLogLevel.Error => "error",
        _ => "info",
    };

    private void WriteLine(ReadOnlySpan<byte> line)
    {
        try
        {
            if (_stream is not null && _size > 0 && _size + line.Length > _maxFileBytes)
            {
                Rotate();
            }

            _stream ??= OpenFile();
            _stream.Write(line);
            _size += line.Length;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Logging must never take the proxy down: count it, drop the handle, and try a fresh one next line.
            Interlocked.Increment(ref _writeErrors);
            CloseFile();
        }
    }

    private FileStream OpenFile()
    {
        Directory.CreateDirectory(_folder);
        var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
        _size = stream.Length;
        if (_size >= _maxFileBytes)
        {
            // An earlier run left a full file: start a new one rather than overshoot.
            stream.Dispose();
            RotateFiles();
            stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 64 * 1024);
            _size = 0;
        }

        return stream;
    }

    private void Rotate()
    {
        CloseFile();
        RotateFiles();
        _size = 0;
    }

    private void RotateFiles()
    {
        if (_keepFiles == 0)
        {
            File.Delete(_path);
            return;
        }

        File.Delete(RotatedPath(_keepFiles));
        for (int i = _keepFiles - 1; i >= 1; i--)
        {
            string from = RotatedPath(i);
            if (File.Exists(from))
            {
                File.Move(from, RotatedPath(i + 1), overwrite: true);
            }
        }

        if (File.Exists(_path))
        {
            File.Move(_path, RotatedPath(1), overwrite: true);
        }
    }

    private string RotatedPath(int index) => _path + "." + index.ToString(CultureInfo.InvariantCulture);

    private void FlushFile()
    {
        try
        {
            _stream?.Flush();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _writeErrors);
            CloseFile();
        }
    }

    private void CloseFile()
    {
        FileStream? stream = _stream;
        _stream = null;
        try
        {
            stream?.Dispose();
        }
        catch (IOException)
        {
            Interlocked.Increment(ref _writeErrors);
        }
    }

    private readonly record struct LogItem(DecisionLogEntry Entry, CcrLogLevel Level, string? Message);
}
