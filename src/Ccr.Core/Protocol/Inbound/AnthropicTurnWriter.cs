using System.Text.Json;

namespace Ccr.Core.Protocol.Inbound;

/// <summary>
/// Writes Anthropic message turns into an open "messages" array, merging consecutive content of the
/// same role into one turn because Anthropic wants roles to alternate.
/// </summary>
internal sealed class AnthropicTurnWriter
{
    private readonly Utf8JsonWriter _writer;
    private string? _openRole;

    public AnthropicTurnWriter(Utf8JsonWriter writer)
    {
        _writer = writer;
    }

    /// <summary>True once any turn has been opened.</summary>
    public bool AnyTurn => _openRole is not null;

    /// <summary>Continues the open turn when the role matches, else closes it and opens one for <paramref name="role"/>.</summary>
    /// <returns>The writer, positioned inside the turn's content array.</returns>
    public Utf8JsonWriter Turn(string role)
    {
        if (_openRole != role)
        {
            End();
            _writer.WriteStartObject();
            _writer.WriteString("role"u8, role);
            _writer.WriteStartArray("content"u8);
            _openRole = role;
        }

        return _writer;
    }

    /// <summary>Closes the open turn, if any.</summary>
    public void End()
    {
        if (_openRole is not null)
        {
            _writer.WriteEndArray();
            _writer.WriteEndObject();
        }
    }
}
