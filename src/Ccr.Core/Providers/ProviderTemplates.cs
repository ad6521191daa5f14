namespace Ccr.Core.Providers;

/// <summary>Every family's templates, by name; the one list <c>New-CcrConfig</c> offers.</summary>
public static class ProviderTemplates
{
    private static readonly ProviderTemplate[] s_all = Collect();

    /// <summary>All templates, in the order the families are registered.</summary>
    public static IReadOnlyList<ProviderTemplate> All => s_all;

    /// <summary>The template called <paramref name="name"/> (ignoring case), or null.</summary>
    /// <param name="name">A template name such as <c>CodingPlan</c>.</param>
    public static ProviderTemplate? Find(string name)
    {
        foreach (ProviderTemplate template in s_all)
        {
            if (string.Equals(template.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return template;
            }
        }

        return null;
    }

    /// <summary>The template names, for messages and completion.</summary>
    public static IReadOnlyList<string> Names => Array.ConvertAll(s_all, t => t.Name);

    private static ProviderTemplate[] Collect()
    {
        var templates = new List<ProviderTemplate>();
        foreach (ProviderFamily family in ProviderFamilies.All)
        {
            templates.AddRange(family.Templates);
        }

        return templates.ToArray();
    }
}
