using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Ccr.Core.Providers;

namespace Ccr.Core.Config;

/// <summary>
/// Writes a first config from provider templates: one provider per template and one tier chain through them in
/// the order given (the first template is tier 0 and <c>Router.default</c>). Keys never go into the text: each
/// provider's <c>api_key</c> is <c>${VARIABLE}</c>, read from the environment or the <c>.env</c> beside the file.
/// Comments say where each key comes from and which commands edit the file, because the file is the user's.
/// </summary>
public static class ConfigTemplateWriter
{
    private const string Indent = "    ";
    private const string NewLine = "\n";

    private static readonly JsonSerializerOptions s_stringOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The templates named by <paramref name="names"/>, in order, without repeats; throws <see cref="ArgumentException"/> naming the known ones for an unknown name.</summary>
    /// <param name="names">Template names as the user typed them.</param>
    public static IReadOnlyList<ProviderTemplate> Resolve(IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var chosen = new List<ProviderTemplate>();
        foreach (string name in names)
        {
            ProviderTemplate template = ProviderTemplates.Find(name)
                ?? throw new ArgumentException($"There is no template '{name}'. Known templates: {string.Join(", ", ProviderTemplates.Names)}.", nameof(names));
            if (!chosen.Contains(template))
            {
                chosen.Add(template);
            }
        }

        if (chosen.Count == 0)
        {
            throw new ArgumentException($"Name at least one template: {string.Join(", ", ProviderTemplates.Names)}.", nameof(names));
        }

        return chosen;
    }

    /// <summary>The config text (JSON with comments, LF line endings) for <paramref name="templates"/>.</summary>
    /// <param name="templates">The providers, tier 0 first.</param>
    /// <param name="plan">The subscription plan for templates with a plan quota; null leaves <c>quota</c> as a comment to fill in.</param>
    public static string Write(IReadOnlyList<ProviderTemplate> templates, QuotaPlan? plan)
    {
        ArgumentNullException.ThrowIfNull(templates);
        if (templates.Count == 0)
        {
            throw new ArgumentException("At least one template is needed.", nameof(templates));
        }

        var text = new StringBuilder();
        var names = new List<string>(templates.Count);
        foreach (ProviderTemplate template in templates)
        {
            names.Add(template.Name);
        }

        Line(text, 0, "// Written by New-CcrConfig from: " + string.Join(", ", names) + ".");
        Line(text, 0, "// No key is stored here: each \"${VARIABLE}\" is read from the environment, else from .env beside this file.");
        Line(text, 0, "// Change it with Set-CcrProvider and Set-CcrTier (they keep these comments); check it with Test-CcrProvider.");
        Line(text, 0, "{");
        Line(text, 1, "\"Providers\": [");
        for (int i = 0; i < templates.Count; i++)
        {
            WriteProvider(text, templates[i], plan, last: i == templates.Count - 1);
        }

        Line(text, 1, "],");
        Line(text, 1, "\"Router\": {");
        Line(text, 2, "// Requests go to the default route; when it fails (down, rate-limited, out of quota) the next tier answers.");
        Line(text, 2, "\"default\": " + Quote(templates[0].Route) + ",");
        Line(text, 2, "\"tiers\": [");
        for (int i = 0; i < templates.Count; i++)
        {
            string comma = i == templates.Count - 1 ? "" : ",";
            Line(text, 3, Quote(templates[i].Route) + comma + " // Tier " + i.ToString(CultureInfo.InvariantCulture) + ": " + templates[i].Description);
        }

        Line(text, 2, "]");
        Line(text, 1, "}");
        Line(text, 0, "}");
        return text.ToString();
    }

    private static void WriteProvider(StringBuilder text, ProviderTemplate template, QuotaPlan? plan, bool last)
    {
        Line(text, 2, "// " + template.Description);
        if (template.KeyVariable is not null)
        {
            Line(text, 2, "// Key: " + template.KeyVariable + " = " + template.KeyAdvice);
        }

        foreach (string note in template.Notes)
        {
            Line(text, 2, "// " + note);
        }

        var members = new List<string>
        {
            "\"name\": " + Quote(template.ProviderName),
            "\"api_base_url\": " + Quote(template.BaseUrl),
        };
        if (template.KeyVariable is not null)
        {
            members.Add("\"api_key\": " + Quote("${" + template.KeyVariable + "}"));
        }

        members.Add("\"models\": " + List(template.Models));
        if (template.Transformers.Count > 0)
        {
            members.Add("\"transformer\": { \"use\": " + List(template.Transformers) + " }");
        }

        members.Add("\"tier_name\": " + Quote(template.TierName));
        if (template.HasPlanQuota && plan is QuotaPlan chosen)
        {
            members.Add("\"quota\": { \"plan\": " + Quote(PlanName(chosen)) + " }");
        }

        // Guessing the plan would either waste a Pro plan or take the tier out early on Lite: the user uncomments
        // the line (the comma before it is already there; the loader accepts a trailing comma).
        bool planToFill = template.HasPlanQuota && plan is null;
        Line(text, 2, "{");
        for (int i = 0; i < members.Count; i++)
        {
            Line(text, 3, members[i] + (i == members.Count - 1 && !planToFill ? "" : ","));
        }

        if (planToFill)
        {
            Line(text, 3, "// \"quota\": { \"plan\": \"lite\" } // your plan, \"lite\" or \"pro\": uncomment so Ccr keeps within its windows");
        }

        Line(text, 2, last ? "}" : "},");
    }

    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> (creating its folder): a new file appears whole or
    /// not at all (temp file, then a rename that fails if the file appeared meanwhile); an existing one is replaced
    /// only with <paramref name="overwrite"/>, atomically, its previous content kept as <c>&lt;file&gt;.bak</c>.
    /// Throws <see cref="ConfigException"/> (ConfigExists, ConfigWriteFailed) with the file as it was.
    /// </summary>
    /// <param name="path">The config file.</param>
    /// <param name="text">The config text.</param>
    /// <param name="overwrite">Replace an existing file.</param>
    /// <returns>The backup's path when a file was replaced, else null.</returns>
    public static string? Save(string path, string text, bool overwrite)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(text);
        string full = Path.GetFullPath(path);
        byte[] bytes = new UTF8Encoding(false).GetBytes(text);
        string folder = Path.GetDirectoryName(full) ?? ".";
        if (File.Exists(full))
        {
            if (!overwrite)
            {
                throw Exists(full);
            }

            string backup = full + ".bak";
            ConfigEditor.WriteAtomically(full, bytes, backup);
            return backup;
        }

        string temp = Path.Combine(folder, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N")[..12] + ".tmp");
        try
        {
            Directory.CreateDirectory(folder);
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: false);
            return null;
        }
        catch (IOException) when (File.Exists(full) && !overwrite)
        {
            File.Delete(temp);
            throw Exists(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            throw new ConfigException(new ConfigDiagnostic(DiagnosticSeverity.Error, "ConfigWriteFailed", $"Could not write the config: {ex.Message} Check that {folder} is a writable folder.", full, 0, 0, "$"), ex);
        }
    }

    private static ConfigException Exists(string path) =>
        new(new ConfigDiagnostic(DiagnosticSeverity.Error, "ConfigExists", $"{path} already exists and was left as it is. Add -Force to replace it (its content is kept as {Path.GetFileName(path)}.bak), or change it with Set-CcrProvider and Set-CcrTier.", path, 0, 0, "$"));

    /// <summary>The name <c>quota.plan</c> takes for <paramref name="plan"/>.</summary>
    /// <param name="plan">The plan.</param>
    public static string PlanName(QuotaPlan plan) => plan == QuotaPlan.Pro ? "pro" : "lite";

    private static string List(IReadOnlyList<string> items)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < items.Count; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(Quote(items[i]));
        }

        return text.Append(']').ToString();
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value, s_stringOptions);

    private static void Line(StringBuilder text, int depth, string content)
    {
        for (int i = 0; i < depth; i++)
        {
            text.Append(Indent);
        }

        text.Append(content).Append(NewLine);
    }
}
