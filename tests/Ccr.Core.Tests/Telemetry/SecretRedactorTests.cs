using Ccr.Core.Telemetry;

namespace Ccr.Core.Tests.Telemetry;

public sealed class SecretRedactorTests
{
    [Theory]
    [InlineData("sk-sp-0123456789abcdefWXYZ", "sk-sp-\u2026WXYZ")]
    [InlineData("sk-or-v1-0123456789abcdef9876", "sk-or-v1-\u20269876")]
    [InlineData("sk-0123456789abcdefgh", "sk-\u2026efgh")]
    [InlineData("0123456789abcdefghij", "\u2026ghij")]
    [InlineData("sk-sp-short", "\u2026")]
    [InlineData("abc", "\u2026")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Hint_KeepsAPrefixAndTheLastFour(string? key, string expected) =>
        Assert.Equal(expected, SecretRedactor.Hint(key));

    [Fact]
    public void Hint_OfAShortKeyRevealsNothingOfIt()
    {
        Assert.Equal("\u2026", SecretRedactor.Hint("sk-sp-abcde"));
    }

    [Fact]
    public void Redact_ReplacesEveryRegisteredSecret()
    {
        string secret = "zq" + Guid.NewGuid().ToString("N");
        SecretRedactor.Register(secret);
        string redacted = SecretRedactor.Redact("key=" + secret + " and again " + secret + ".");
        Assert.DoesNotContain(secret, redacted, StringComparison.Ordinal);
        Assert.Equal("key=\u2026" + secret[^4..] + " and again \u2026" + secret[^4..] + ".", redacted);
    }

    [Theory]
    [InlineData("Authorization: Bearer abcdefghijklmnopqrstuvwxyz123", "Authorization: Bearer \u2026z123")]
    [InlineData("x-api-key: plainsecretvalue1234", "x-api-key: \u20261234")]
    [InlineData("{\"x-api-key\":\"plainsecretvalue1234\"}", "{\"x-api-key\":\"\u20261234\"}")]
    [InlineData("\"api_key\": \"${QWEN_API_KEY}\"", "\"api_key\": \"${QWEN_API_KEY}\"")]
    [InlineData("upstream said: invalid key sk-sp-00000000000000000000abcd", "upstream said: invalid key sk-sp-\u2026abcd")]
    public void Redact_HidesCredentialsInHeadersAndSkKeysEvenUnregistered(string text, string expected) =>
        Assert.Equal(expected, SecretRedactor.Redact(text));

    [Fact]
    public void Redact_IsIdempotent()
    {
        string once = SecretRedactor.Redact("Authorization: Bearer sk-sp-00000000000000000000abcd");
        Assert.Equal(once, SecretRedactor.Redact(once));
    }

    [Fact]
    public void Redact_WithoutMatches_ReturnsTheSameInstance()
    {
        string text = "route qwen,qwen3-coder-plus tier 0 ok";
        Assert.Same(text, SecretRedactor.Redact(text));
    }

    [Fact]
    public void Register_IgnoresSecretsTooShortToRedactSafely()
    {
        SecretRedactor.Register("ab");
        Assert.Equal("ab cab", SecretRedactor.Redact("ab cab"));
    }
}
