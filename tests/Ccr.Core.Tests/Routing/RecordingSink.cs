using System.Diagnostics;
using System.Text;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;

namespace Ccr.Core.Tests.Routing;

/// <summary>An in-memory endpoint sink: records what reaches the client, write by write, with when each write happened.</summary>
internal sealed class RecordingSink : IResponseSink
{
    private readonly StringBuilder _body = new();

    public bool HasStarted { get; private set; }

    public int Status { get; private set; }

    public string? ContentType { get; private set; }

    public Dictionary<string, string> Headers { get; } = new();

    public List<string> Flushes { get; } = new();

    /// <summary>Stopwatch timestamps of the flushes, in order.</summary>
    public List<long> FlushTimes { get; } = new();

    public string Body => _body.ToString();

    /// <summary>Called with each flushed write after it is recorded, on the writer's thread: a test can pace its upstream by it.</summary>
    public Action<string>? AfterFlush { get; init; }

    public void SetHeader(string name, string value) => Headers[name] = value;

    public void StartStream(int status, string contentType)
    {
        (Status, ContentType, HasStarted) = (status, contentType, true);
    }

    public ValueTask WriteCompleteAsync(int status, string contentType, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        (Status, ContentType, HasStarted) = (status, contentType, true);
        _body.Append(Encoding.UTF8.GetString(body.Span));
        return ValueTask.CompletedTask;
    }

    public ValueTask WriteAndFlushAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        string text = Encoding.UTF8.GetString(data.Span);
        Flushes.Add(text);
        FlushTimes.Add(Stopwatch.GetTimestamp());
        _body.Append(text);
        AfterFlush?.Invoke(text);
        return ValueTask.CompletedTask;
    }
}
