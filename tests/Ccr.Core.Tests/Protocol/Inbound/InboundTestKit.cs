using System.Buffers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Ccr.Core.Tests.Protocol.Inbound;

internal static class InboundTestKit
{
    public const long Created = 1_700_000_000;

    public static FakeTimeProvider Time() => new(DateTimeOffset.FromUnixTimeSeconds(Created));

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string Run(Action<ArrayBufferWriter<byte>> write)
    {
        var output = new ArrayBufferWriter<byte>();
        write(output);
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }

    /// <summary>Asserts two JSON texts are equal as JSON, printing both when not.</summary>
    public static void JsonEqual(string expected, string actual)
    {
        JsonNode? e = JsonNode.Parse(expected);
        JsonNode? a = JsonNode.Parse(actual);
        Assert.True(JsonNode.DeepEquals(e, a), "expected:\n" + e?.ToJsonString() + "\nactual:\n" + a?.ToJsonString());
    }

    /// <summary>Joins SSE events in the Anthropic wire form.</summary>
    public static string Sse(params string[] dataLines)
    {
        var text = new StringBuilder();
        foreach (string data in dataLines)
        {
            string type = JsonNode.Parse(data)!["type"]!.GetValue<string>();
            text.Append("event: ").Append(type).Append('\n').Append("data: ").Append(data).Append("\n\n");
        }

        return text.ToString();
    }

    /// <summary>The JSON of every <c>data:</c> line of an OpenAI stream, in order.</summary>
    public static List<string> DataLines(string sse)
    {
        var lines = new List<string>();
        foreach (string block in sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (string line in block.Split('\n'))
            {
                if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    lines.Add(line[6..]);
                }
            }
        }

        return lines;
    }
}
