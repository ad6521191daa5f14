using System.Buffers;
using System.Text.Json;

namespace Ccr.Core.Protocol;

/// <summary>
/// Reads the token usage out of an answer that goes to the client untouched (an Anthropic upstream for an Anthropic
/// client, an OpenAI upstream for an OpenAI chat client), so usage is counted there too. Stream chunks are scanned in
/// place as they pass: only <c>data:</c> lines that hold a <c>"usage"</c> member are parsed (Anthropic's message_start
/// and message_delta, OpenAI's final chunk), and only a line split across two reads is copied, into a pooled buffer.
/// </summary>
internal sealed class UpstreamUsageScanner : IDisposable
{
    private const int MaxLineBytes = 1024 * 1024;

    private byte[]? _carry;
    private int _carryLength;
    private bool _carryDropped;

    private long _input;
    private long _output;
    private long _cacheRead;
    private long _cacheWrite;
    private long _promptTokens = -1;
    private bool _present;

    /// <summary>What the usage seen so far amounts to, or null when the upstream reported none.</summary>
    public ResponseSummary? Summary
    {
        get
        {
            if (!_present)
            {
                return null;
            }

            // OpenAI counts cached tokens inside prompt_tokens; Anthropic reports the three parts of the prompt apart.
            long prompt = _promptTokens >= 0 ? _promptTokens : _input + _cacheRead + _cacheWrite;
            return new ResponseSummary(null, Clamp(prompt), Clamp(_output), Clamp(_cacheRead), Clamp(_cacheWrite));
        }
    }

    /// <summary>The usage of a whole (non-stream) answer body, or null when it has none.</summary>
    public static ResponseSummary? ReadBody(ReadOnlySpan<byte> body)
    {
        using var scanner = new UpstreamUsageScanner();
        scanner.ReadUsage(body);
        return scanner.Summary;
    }

    /// <summary>Scans the next bytes of an event stream, exactly as they go to the client.</summary>
    public void ScanStream(ReadOnlySpan<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            int newline = chunk.IndexOf((byte)'\n');
            if (newline < 0)
            {
                Carry(chunk);
                return;
            }

            ReadOnlySpan<byte> piece = chunk[..newline];
            chunk = chunk[(newline + 1)..];
            if (_carryLength > 0 || _carryDropped)
            {
                Carry(piece);
                if (!_carryDropped)
                {
                    ScanLine(_carry.AsSpan(0, _carryLength));
                }

                _carryLength = 0;
                _carryDropped = false;
                continue;
            }

            ScanLine(piece);
        }
    }

    /// <summary>Returns the pooled line buffer.</summary>
    public void Dispose()
    {
        if (_carry is not null)
        {
            ArrayPool<byte>.Shared.Return(_carry);
            _carry = null;
        }
    }

    private void Carry(ReadOnlySpan<byte> part)
    {
        if (_carryDropped)
        {
            return;
        }

        int needed = _carryLength + part.Length;
        if (needed > MaxLineBytes)
        {
            // No usage line is this long; drop the line rather than hold the stream.
            _carryDropped = true;
            _carryLength = 0;
            return;
        }

        if (_carry is null || _carry.Length < needed)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent(Math.Max(needed, 4096));
            _carry?.AsSpan(0, _carryLength).CopyTo(larger);
            if (_carry is not null)
            {
                ArrayPool<byte>.Shared.Return(_carry);
            }

            _carry = larger;
        }

        part.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength = needed;
    }

    private void ScanLine(ReadOnlySpan<byte> line)
    {
        if (line.StartsWith("data:"u8) && line.IndexOf("\"usage\""u8) >= 0)
        {
            ReadUsage(line[5..]);
        }
    }

    /// <summary>Takes the numbers of the first <c>usage</c> object in <paramref name="json"/>; members it lacks keep their earlier values (message_delta repeats only output_tokens).</summary>
    private void ReadUsage(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadUsageObject(ref reader);
                        return;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON, or cut short: the client gets it as it is; there is just nothing to count.
        }
    }

    private void ReadUsageObject(ref Utf8JsonReader reader)
    {
        int depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            bool nested = reader.CurrentDepth > depth + 1;
            if (reader.ValueTextEquals("input_tokens"u8) && !nested)
            {
                Take(ref reader, ref _input);
            }
            else if (reader.ValueTextEquals("output_tokens"u8) && !nested)
            {
                Take(ref reader, ref _output);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8) && !nested)
            {
                Take(ref reader, ref _output);
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8) && !nested)
            {
                Take(ref reader, ref _cacheRead);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8) && !nested)
            {
                Take(ref reader, ref _cacheWrite);
            }
            else if (reader.ValueTextEquals("prompt_tokens"u8) && !nested)
            {
                Take(ref reader, ref _promptTokens);
            }
            else if (reader.ValueTextEquals("cached_tokens"u8) || reader.ValueTextEquals("prompt_cache_hit_tokens"u8))
            {
                // prompt_tokens_details.cached_tokens (OpenAI) or DeepSeek's top-level cache hits.
                Take(ref reader, ref _cacheRead);
            }
        }
    }

    private void Take(ref Utf8JsonReader reader, ref long field)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long value) && value >= 0)
        {
            field = value;
            _present = true;
        }
    }

    private static int Clamp(long value) => (int)Math.Min(value, int.MaxValue);
}
