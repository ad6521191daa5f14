using System.Text;
using System.Text.Json;

namespace Ccr.Core.Config;

/// <summary>Where one value sits in the config text (char offsets into the text without its BOM).</summary>
/// <param name="Path">The JSON path (<c>$.Router.tiers[1]</c>).</param>
/// <param name="NameStart">Offset of the member's property name (its opening quote), or -1 for array elements and the root.</param>
/// <param name="ValueStart">Offset of the value's first character.</param>
/// <param name="ValueEnd">Offset just after the value's last character.</param>
/// <param name="Kind">The value's first token (StartObject, StartArray, String, Number...).</param>
/// <param name="Name">The member name as written (unescaped), or null for array elements and the root.</param>
internal sealed record JsonSpan(string Path, int NameStart, int ValueStart, int ValueEnd, JsonTokenType Kind, string? Name)
{
    /// <summary>Member paths (objects) or element paths (arrays), in file order.</summary>
    public List<string> Children { get; } = new();
}
