using System.Text;
using System.Text.Json;

namespace Ccr.Core.Config;

/// <summary>Builds the JSON paths diagnostics show (<c>$.Router.tiers[1]</c>, <c>$.Presets['my preset']</c>).</summary>
internal static class JsonPaths
{
    public static string Member(string parent, string name)
    {
        foreach (char c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || c == '-'))
            {
                return parent + "['" + name.Replace("'", "\\'", StringComparison.Ordinal) + "']";
            }
        }

        return name.Length == 0 ? parent + "['']" : parent + "." + name;
    }

    public static string Index(string parent, int index) =>
        parent + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    public static string FromSegments(IReadOnlyList<string> segments)
    {
        string path = "$";
        foreach (string segment in segments)
        {
            path = Member(path, segment);
        }

        return path;
    }
}
