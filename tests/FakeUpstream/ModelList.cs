using System.Text.Json;

namespace FakeUpstream;

/// <summary>The <c>GET /v1/models</c> answer: the scripted models plus a fixed one, in OpenAI or Anthropic shape.</summary>
internal static class ModelList
{
    private const string AlwaysListed = "fake-model";

    public static byte[] Render(IEnumerable<string> scriptedModels, bool anthropic)
    {
        var models = new List<string> { AlwaysListed };
        foreach (string model in scriptedModels)
        {
            if (!models.Contains(model))
            {
                models.Add(model);
            }
        }

        return SseBuffer.Json(w =>
        {
            w.WriteStartObject();
            if (!anthropic)
            {
                w.WriteString("object", "list");
            }

            w.WriteStartArray("data");
            foreach (string model in models)
            {
                WriteModel(w, model, anthropic);
            }

            w.WriteEndArray();
            if (anthropic)
            {
                w.WriteBoolean("has_more", false);
                w.WriteString("first_id", models[0]);
                w.WriteString("last_id", models[^1]);
            }

            w.WriteEndObject();
        });
    }

    private static void WriteModel(Utf8JsonWriter w, string model, bool anthropic)
    {
        w.WriteStartObject();
        if (anthropic)
        {
            w.WriteString("type", "model");
            w.WriteString("id", model);
            w.WriteString("display_name", model);
            w.WriteString("created_at", "2025-01-01T00:00:00Z");
        }
        else
        {
            w.WriteString("id", model);
            w.WriteString("object", "model");
            w.WriteNumber("created", 1735689600);
            w.WriteString("owned_by", "fake-upstream");
        }

        w.WriteEndObject();
    }
}
