using System.Text;
using System.Text.Json;

namespace Ccr.Core.Config;

/// <summary>A syntax error in the config text, located by 1-based line and column.</summary>
internal sealed class JsonSyntaxException : Exception
{
    public JsonSyntaxException(string message, int line, int column, Exception inner)
        : base(message, inner)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }

    public int Column { get; }
}
