using System.Text;
using System.Text.Json;
using FakeUpstream;

namespace Ccr.Core.Tests.FakeUpstreamTests;

/// <summary>One server-sent event: its <c>event:</c> name (null when absent) and <c>data:</c> text.</summary>
internal sealed record SseEvent(string? Name, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;
}

/// <summary>Sends chat/messages requests to a fake upstream with a real HttpClient and reads SSE replies.</summary>
internal static class UpstreamClient
{
    public static HttpClient NewClient(TimeSpan? timeout = null) => new() { Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    public static HttpRequestMessage Request(FakeUpstreamServer server, bool anthropic, string model, bool stream, bool includeUsage = false)
    {
        string url = anthropic ? server.AnthropicBaseUrl + "/v1/messages" : server.OpenAIBaseUrl + "/chat/completions";
        string streamPart = stream ? ",\"stream\":true" : string.Empty;
        if (includeUsage)
        {
            streamPart += ",\"stream_options\":{\"include_usage\":true}";
        }

        string body = "{\"model\":\"" + model + "\",\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]" + streamPart + "}";
        return new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
    }

    public static async Task<(HttpResponseMessage Response, string Body)> SendAsync(
        HttpClient client, FakeUpstreamServer server, bool anthropic, string model, bool stream, bool includeUsage = false)
    {
        using HttpRequestMessage request = Request(server, anthropic, model, stream, includeUsage);
        HttpResponseMessage response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        string body = await response.Content.ReadAsStringAsync();
        return (response, body);
    }

    public static List<SseEvent> ParseSse(string text)
    {
        var events = new List<SseEvent>();
        string? name = null;
        var data = new StringBuilder();
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    events.Add(new SseEvent(name, data.ToString()));
                }

                name = null;
                data.Clear();
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line["data: ".Length..]);
            }
        }

        return events;
    }

    /// <summary>Reads a stream until it ends or breaks, returning what arrived and whether it broke.</summary>
    public static async Task<(string Text, bool Broke)> ReadUntilBrokenAsync(HttpResponseMessage response)
    {
        var received = new StringBuilder();
        try
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            char[] buffer = new char[1024];
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                received.Append(buffer, 0, read);
            }

            return (received.ToString(), false);
        }
        catch (IOException)
        {
            return (received.ToString(), true);
        }
        catch (HttpRequestException)
        {
            return (received.ToString(), true);
        }
    }

    /// <summary>The concatenated text of an OpenAI chunk stream or an Anthropic event stream.</summary>
    public static string StreamedText(List<SseEvent> events)
    {
        var text = new StringBuilder();
        foreach (SseEvent e in events)
        {
            if (e.Data == "[DONE]")
            {
                continue;
            }

            JsonElement json = e.Json;
            if (e.Name == "content_block_delta" && json.GetProperty("delta").TryGetProperty("text", out JsonElement t))
            {
                text.Append(t.GetString());
            }
            else if (json.TryGetProperty("choices", out JsonElement choices) && choices.GetArrayLength() > 0
                && choices[0].GetProperty("delta").TryGetProperty("content", out JsonElement c) && c.ValueKind == JsonValueKind.String)
            {
                text.Append(c.GetString());
            }
        }

        return text.ToString();
    }
}
