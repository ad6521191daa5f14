namespace Ccr.Core.Config;

/// <summary>A <c>provider,model</c> pair.</summary>
/// <param name="Provider">The provider name.</param>
/// <param name="Model">The model name as the provider knows it.</param>
public readonly record struct RouteTarget(string Provider, string Model)
{
    /// <summary>Parses <c>provider,model</c>; the model may itself contain commas after the first.</summary>
    public static bool TryParse(string? text, out RouteTarget target)
    {
        target = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        int comma = text.IndexOf(',', StringComparison.Ordinal);
        if (comma <= 0 || comma == text.Length - 1)
        {
            return false;
        }

        target = new RouteTarget(text[..comma].Trim(), text[(comma + 1)..].Trim());
        return target.Provider.Length > 0 && target.Model.Length > 0;
    }

    /// <summary>The <c>provider,model</c> form.</summary>
    public override string ToString() => Provider + "," + Model;
}
