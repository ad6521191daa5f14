using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Ccr.Core.Config;

namespace Ccr.Core.Usage;

/// <summary>
/// The usage file shared by every Ccr process of the user: hourly buckets per provider, model and tier_name, kept
/// <see cref="Retention"/>. Same discipline as the quota store: an exclusive lock file, a re-read inside the lock, the
/// caller's deltas added, buckets past retention dropped, the whole written to a temp file and renamed over.
/// </summary>
internal sealed class UsageStore
{
    /// <summary>How long hourly buckets are kept.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    /// <summary>
    /// At most this many buckets are kept (the oldest go first): 90 days of hours for about 25 provider/model pairs,
    /// a few megabytes, so a flush stays cheap however many models a config names.
    /// </summary>
    public const int MaxBuckets = 90 * 24 * 25;

    private const int FormatVersion = 1;

    private readonly SharedStateFile<Dictionary<UsageBucketKey, UsageCounts>> _file;

    /// <summary>Creates a store over <paramref name="path"/>; nothing is touched until the first read or update.</summary>
    public UsageStore(string path, Action<string>? warning)
    {
        _file = new SharedStateFile<Dictionary<UsageBucketKey, UsageCounts>>(
            path, "usage store", Parse, WriteMap, static () => new Dictionary<UsageBucketKey, UsageCounts>(), default, warning);
    }

    /// <summary>The store file.</summary>
    public string FilePath => _file.FilePath;

    /// <summary>Reads the store without the lock; null when the file is corrupt (the next <see cref="Update"/> moves it aside).</summary>
    public Dictionary<UsageBucketKey, UsageCounts>? TryRead() => _file.TryRead();

    /// <summary>
    /// Under the lock: reads the store (a corrupt one is moved aside and started afresh), adds <paramref name="deltas"/>,
    /// drops buckets older than <see cref="Retention"/> before <paramref name="now"/>, and writes it back.
    /// Throws <see cref="IOException"/> when the lock cannot be had in time; the caller keeps its deltas and tries later.
    /// </summary>
    public void Update(IEnumerable<KeyValuePair<UsageBucketKey, UsageCounts>> deltas, DateTimeOffset now) =>
        _file.Update(
            map =>
            {
                foreach (KeyValuePair<UsageBucketKey, UsageCounts> delta in deltas)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(map, delta.Key, out _).Add(delta.Value);
                }

                Prune(map, now);
            },
            static () => new Dictionary<UsageBucketKey, UsageCounts>(),
            "counting goes on in a new file");

    /// <summary>Drops buckets older than <see cref="Retention"/>, then the oldest beyond <see cref="MaxBuckets"/>.</summary>
    internal static void Prune(Dictionary<UsageBucketKey, UsageCounts> map, DateTimeOffset now)
    {
        long oldest = UsageBucketKey.HourOf(now - Retention);
        List<UsageBucketKey>? drop = null;
        foreach (UsageBucketKey key in map.Keys)
        {
            if (key.Hour < oldest)
            {
                (drop ??= new List<UsageBucketKey>()).Add(key);
            }
        }

        if (map.Count - (drop?.Count ?? 0) > MaxBuckets)
        {
            var byAge = new List<UsageBucketKey>(map.Keys);
            byAge.Sort(static (a, b) => a.Hour.CompareTo(b.Hour));
            drop = byAge.GetRange(0, map.Count - MaxBuckets);
        }

        if (drop is not null)
        {
            foreach (UsageBucketKey key in drop)
            {
                map.Remove(key);
            }
        }
    }




    // Compact on purpose: the file is rewritten on every flush, and 90 days of hours add up. Each key is written once in
    // "keys"; each bucket is [hour, key index, requests, input, output, cache_read, cache_write, errors, fallbacks].
    private static void WriteMap(Utf8JsonWriter writer, Dictionary<UsageBucketKey, UsageCounts> map)
    {
        var keyIndex = new Dictionary<UsageKey, int>();
        writer.WriteStartObject();
        writer.WriteNumber("version", FormatVersion);
        writer.WriteStartArray("keys");
        foreach (UsageBucketKey bucket in map.Keys)
        {
            if (keyIndex.TryAdd(bucket.Key, keyIndex.Count))
            {
                writer.WriteStartArray();
                writer.WriteStringValue(bucket.Key.Provider);
                writer.WriteStringValue(bucket.Key.Model);
                writer.WriteStringValue(bucket.Key.TierName);
                writer.WriteEndArray();
            }
        }

        writer.WriteEndArray();
        writer.WriteStartArray("buckets");
        foreach (KeyValuePair<UsageBucketKey, UsageCounts> entry in map)
        {
            UsageCounts c = entry.Value;
            writer.WriteStartArray();
            writer.WriteNumberValue(entry.Key.Hour);
            writer.WriteNumberValue(keyIndex[entry.Key.Key]);
            writer.WriteNumberValue(c.Requests);
            writer.WriteNumberValue(c.InputTokens);
            writer.WriteNumberValue(c.OutputTokens);
            writer.WriteNumberValue(c.CacheReadTokens);
            writer.WriteNumberValue(c.CacheWriteTokens);
            writer.WriteNumberValue(c.Errors);
            writer.WriteNumberValue(c.Fallbacks);
            writer.WriteEndArray();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static Dictionary<UsageBucketKey, UsageCounts> Parse(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            throw new JsonException("the file is empty");
        }

        var map = new Dictionary<UsageBucketKey, UsageCounts>();
        using JsonDocument document = JsonDocument.Parse(bytes);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("keys", out JsonElement keys) || keys.ValueKind != JsonValueKind.Array
            || !root.TryGetProperty("buckets", out JsonElement buckets) || buckets.ValueKind != JsonValueKind.Array)
        {
            throw new JsonException("the root has no 'keys' and 'buckets' arrays");
        }

        var keyList = new List<UsageKey>();
        foreach (JsonElement key in keys.EnumerateArray())
        {
            keyList.Add(new UsageKey(key[0].GetString()!, key[1].GetString()!, key[2].GetString() ?? ""));
        }

        foreach (JsonElement bucket in buckets.EnumerateArray())
        {
            var counts = new UsageCounts
            {
                Requests = bucket[2].GetInt64(),
                InputTokens = bucket[3].GetInt64(),
                OutputTokens = bucket[4].GetInt64(),
                CacheReadTokens = bucket[5].GetInt64(),
                CacheWriteTokens = bucket[6].GetInt64(),
                Errors = bucket[7].GetInt64(),
                Fallbacks = bucket[8].GetInt64(),
            };
            var bucketKey = new UsageBucketKey(bucket[0].GetInt64(), keyList[bucket[1].GetInt32()]);
            CollectionsMarshal.GetValueRefOrAddDefault(map, bucketKey, out _).Add(counts);
        }

        return map;
    }
}
