using System.Text.Json;

namespace FakeUpstream;

/// <summary>Which API a request speaks, from its path.</summary>
internal enum WireFormat
{
    OpenAI,
    Anthropic,
}

/// <summary>What a reply needs to know about the request: the wire format and the few body fields that shape the answer.</summary>
internal readonly record struct RequestInfo(WireFormat Format, string Model, bool Stream, bool IncludeUsage)
{
    /// <summary>Reads <c>model</c>, <c>stream</c> and <c>stream_options.include_usage</c> from the top level of a JSON body without building a DOM.</summary>
    public static RequestInfo Parse(WireFormat format, ReadOnlySpan<byte> body)
    {
        string model = string.Empty;
        bool stream = false;
        bool includeUsage = false;
        if (body.IsEmpty)
        {
            return new RequestInfo(format, model, stream, includeUsage);
        }

        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new RequestInfo(format, model, stream, includeUsage);
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    model = reader.TokenType == JsonTokenType.String ? reader.GetString() ?? string.Empty : string.Empty;
                }
                else if (reader.ValueTextEquals("stream"u8))
                {
                    reader.Read();
                    stream = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("stream_options"u8))
                {
                    reader.Read();
                    includeUsage = ReadIncludeUsage(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            // A malformed body still gets an answer; the test decides what that should be.
        }

        return new RequestInfo(format, model, stream, includeUsage);
    }

    private static bool ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return false;
        }

        bool includeUsage = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                includeUsage = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Skip();
            }
        }

        return includeUsage;
    }
}
