using System.Text.Json;
using System.Text.Json.Serialization;

namespace Ccr.Core.Server;

/// <summary>Reads and writes <see cref="ProxyMode"/> as <see cref="ProxyModeText"/> spells it; an unknown mode reads as null rather than failing the whole /health answer.</summary>
internal sealed class ProxyModeJsonConverter : JsonConverter<ProxyMode?>
{
    public override bool HandleNull => true;

    public override ProxyMode? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? ProxyModeText.Parse(reader.GetString()) : null;

    public override void Write(Utf8JsonWriter writer, ProxyMode? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value is ProxyMode mode)
        {
            writer.WriteStringValue(ProxyModeText.Of(mode));
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}
