using System.Globalization;
using System.Text.Json;
using Ccr.Core.Config;

namespace Ccr.Core.Quota;

/// <summary>
/// The quota file shared by every Ccr process of the user, in the lock discipline of <see cref="SharedStateFile{T}"/>:
/// concurrent processes add their counts up instead of overwriting each other.
/// </summary>
internal sealed class QuotaStore
{
    private const int FormatVersion = 1;

    private readonly SharedStateFile<Dictionary<string, QuotaUsage>> _file;

    /// <summary>Creates a store over <paramref name="path"/>; nothing is touched until the first read or update.</summary>
    public QuotaStore(string path, Action<string>? warning)
    {
        _file = new SharedStateFile<Dictionary<string, QuotaUsage>>(
            path, "quota store", Parse, WriteMap, NewMap, new JsonWriterOptions { Indented = true }, warning);
    }

    /// <summary>The store file.</summary>
    public string FilePath => _file.FilePath;

    /// <summary>Reads the store without the lock; null when the file is corrupt (the next <see cref="Update"/> moves it aside).</summary>
    public Dictionary<string, QuotaUsage>? TryRead() => _file.TryRead();

    /// <summary>
    /// Under the lock: reads the store (a corrupt one is moved aside and rebuilt from <paramref name="rebuildFrom"/>),
    /// lets <paramref name="merge"/> change it, writes it back, and returns what was written.
    /// Throws <see cref="IOException"/> when the lock cannot be had in time; the caller keeps its counts and tries later.
    /// </summary>
    public Dictionary<string, QuotaUsage> Update(Action<Dictionary<string, QuotaUsage>> merge, Func<Dictionary<string, QuotaUsage>> rebuildFrom) =>
        _file.Update(merge, rebuildFrom, "rebuilt from this process's counts");

    private static Dictionary<string, QuotaUsage> NewMap() => new(StringComparer.OrdinalIgnoreCase);

    private static void WriteMap(Utf8JsonWriter writer, Dictionary<string, QuotaUsage> map)
    {
        writer.WriteStartObject();
        writer.WriteNumber("version", FormatVersion);
        writer.WriteStartObject("providers");
        foreach (KeyValuePair<string, QuotaUsage> entry in map)
        {
            QuotaUsage usage = entry.Value;
            writer.WriteStartObject(entry.Key);
            writer.WriteStartObject("minutes");
            foreach (KeyValuePair<long, int> bucket in usage.Minutes)
            {
                writer.WriteNumber(bucket.Key.ToString(CultureInfo.InvariantCulture), bucket.Value);
            }

            writer.WriteEndObject();
            WriteTime(writer, "week_start", usage.WeekStart);
            writer.WriteNumber("week_count", usage.WeekCount);
            WriteTime(writer, "month_start", usage.MonthStart);
            writer.WriteNumber("month_count", usage.MonthCount);
            WriteTime(writer, "exhausted_until", usage.ExhaustedUntil);
            if (usage.ExhaustedUntil is not null && usage.ExhaustedWindow != QuotaWindowKind.Unknown)
            {
                writer.WriteString("exhausted_window", usage.ExhaustedWindow.ToString());
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value.Value.ToString("O", CultureInfo.InvariantCulture));
        }
    }

    private static Dictionary<string, QuotaUsage> Parse(byte[] bytes)
    {
        Dictionary<string, QuotaUsage> map = NewMap();
        if (bytes.Length == 0)
        {
            throw new JsonException("the file is empty");
        }

        using JsonDocument document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("providers", out JsonElement providers) || providers.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException("the root has no 'providers' object");
        }

        foreach (JsonProperty provider in providers.EnumerateObject())
        {
            JsonElement entry = provider.Value;
            var usage = new QuotaUsage();
            if (entry.TryGetProperty("minutes", out JsonElement minutes))
            {
                foreach (JsonProperty bucket in minutes.EnumerateObject())
                {
                    usage.Minutes[long.Parse(bucket.Name, NumberStyles.Integer, CultureInfo.InvariantCulture)] = bucket.Value.GetInt32();
                }
            }

            usage.WeekStart = ReadTime(entry, "week_start");
            usage.WeekCount = entry.TryGetProperty("week_count", out JsonElement week) ? week.GetInt64() : 0;
            usage.MonthStart = ReadTime(entry, "month_start");
            usage.MonthCount = entry.TryGetProperty("month_count", out JsonElement month) ? month.GetInt64() : 0;
            usage.ExhaustedUntil = ReadTime(entry, "exhausted_until");

            // A window name this version does not know reads as Unknown: the mark itself still holds.
            usage.ExhaustedWindow = entry.TryGetProperty("exhausted_window", out JsonElement window) && window.ValueKind == JsonValueKind.String
                && Enum.TryParse(window.GetString(), ignoreCase: false, out QuotaWindowKind kind) && Enum.IsDefined(kind)
                ? kind
                : QuotaWindowKind.Unknown;
            map[provider.Name] = usage;
        }

        return map;
    }

    private static DateTimeOffset? ReadTime(JsonElement entry, string name) =>
        entry.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? DateTimeOffset.Parse(value.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)
            : null;
}
