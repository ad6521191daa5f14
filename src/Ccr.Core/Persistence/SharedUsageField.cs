using Ccr.Core.Usage;

namespace Ccr.Core.Persistence;

/// <summary>
/// The field names of a <c>usage:{hour}</c> hash: "hash\tmodel\ttier\t" and one letter per counter, so one HINCRBY adds
/// one counter and a reader splits the field back into its bucket key.
/// </summary>
internal static class SharedUsageField
{
    public const char Requests = 'r';
    public const char Input = 'i';
    public const char Output = 'o';
    public const char CacheRead = 'c';
    public const char CacheWrite = 'w';
    public const char Errors = 'e';
    public const char Fallbacks = 'f';

    /// <summary>The field up to the counter letter.</summary>
    public static string Prefix(string hash, UsageKey key) => hash + "\t" + key.Model + "\t" + key.TierName + "\t";

    /// <summary>Splits a field into the provider hash, the model, the tier name and the counter letter.</summary>
    public static bool TryParse(string field, out string hash, out string model, out string tier, out char counter)
    {
        hash = model = tier = "";
        counter = '\0';
        int first = field.IndexOf('\t', StringComparison.Ordinal);
        int last = field.LastIndexOf('\t');
        if (first <= 0 || last <= first || last != field.Length - 2)
        {
            return false;
        }

        int middle = field.LastIndexOf('\t', last - 1);
        if (middle <= first)
        {
            return false;
        }

        hash = field[..first];
        model = field[(first + 1)..middle];
        tier = field[(middle + 1)..last];
        counter = field[^1];
        return true;
    }

    /// <summary>Adds <paramref name="value"/> to the counter <paramref name="counter"/> names.</summary>
    public static void Add(ref UsageCounts counts, char counter, long value)
    {
        switch (counter)
        {
            case Requests: counts.Requests += value; break;
            case Input: counts.InputTokens += value; break;
            case Output: counts.OutputTokens += value; break;
            case CacheRead: counts.CacheReadTokens += value; break;
            case CacheWrite: counts.CacheWriteTokens += value; break;
            case Errors: counts.Errors += value; break;
            case Fallbacks: counts.Fallbacks += value; break;
        }
    }
}
