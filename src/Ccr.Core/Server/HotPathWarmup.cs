using System.Text;
using Ccr.Core.Buffers;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Providers;
using Ccr.Core.Server.Http;
using Ccr.Core.Tokens;

namespace Ccr.Core.Server;

/// <summary>
/// Runs the request, response and stream translators over built-in samples shortly after the proxy starts,
/// enough times for the runtime to compile them fully before real traffic arrives. Without it the first
/// requests (and a first burst of streams most of all) run unoptimized code while the JIT competes with them
/// for the same cores. It touches no network, no config and no state: only pure translation code.
/// </summary>
internal static class HotPathWarmup
{
    /// <summary>Calls past the runtime's tiering threshold (30), so each hot method is queued for full optimization.</summary>
    private const int Rounds = 40;

    private static readonly byte[] s_head = Encoding.ASCII.GetBytes(
        "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:3456\r\ncontent-type: application/json\r\nanthropic-version: 2023-06-01\r\nx-api-key: warmup\r\ncontent-length: 2");

    private static readonly byte[] s_request = Encoding.UTF8.GetBytes(
        """{"model":"warmup,m","max_tokens":64,"stream":true,"system":[{"type":"text","text":"You are brief."}],"messages":[{"role":"user","content":"Say hi."},{"role":"assistant","content":[{"type":"text","text":"Hi."}]},{"role":"user","content":[{"type":"text","text":"Again, in two words."}]}],"tools":[{"name":"Read","description":"Reads a file","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}}]}""");

    private static readonly byte[] s_response = Encoding.UTF8.GetBytes(
        """{"id":"chatcmpl-w","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi there."},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12}}""");

    private static readonly byte[] s_stream = Encoding.UTF8.GetBytes(string.Concat(
        "data: {\"id\":\"chatcmpl-w\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
        string.Concat(Enumerable.Repeat("data: {\"id\":\"chatcmpl-w\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"},\"finish_reason\":null}]}\n\n", 8)),
        "data: {\"id\":\"chatcmpl-w\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":8}}\n\n",
        "data: [DONE]\n\n"));

    private static int s_started;

    /// <summary>
    /// Starts the warm-up on the thread pool after <paramref name="delay"/>, once per process: a proxy started again in
    /// the same session finds the code compiled already. Failures are ignored (it is only an optimization).
    /// </summary>
    public static void Start(TimeSpan delay)
    {
        if (Interlocked.Exchange(ref s_started, 1) != 0)
        {
            return;
        }

        _ = Task.Run(
            async () =>
            {
                try
                {
                    await Task.Delay(delay).ConfigureAwait(false);
                    await RunAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception e) when (e is AnthropicRequestException or UpstreamProtocolException or InvalidOperationException)
                {
                }
            },
            CancellationToken.None);
    }

    /// <summary>One full warm-up: every sample through its translator <see cref="Rounds"/> times; returns the stream events translated.</summary>
    internal static async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        int events = 0;
        var provider = new ProviderConfig { Name = "warmup", ApiBaseUrl = "http://127.0.0.1:1/v1", Endpoint = new Uri("http://127.0.0.1:1/v1/chat/completions") };
        ProviderProfile profile = ProviderProfile.For(provider);
        var overrides = new RequestOverrides { Model = "m" };
        var head = new HttpRequestHead();
        using var output = new PooledBufferWriter(8192);
        for (int round = 0; round < Rounds && !cancellationToken.IsCancellationRequested; round++)
        {
            head.Parse(s_head);
            RequestFacts facts = RequestFacts.Read(s_request);
            TokenCounter.Estimate(s_request);
            output.Clear();
            AnthropicToOpenAIRequest.Write(s_request, overrides, profile, output);
            output.Clear();
            OpenAIToAnthropicResponse.Write(s_response, "warmup,m", output, provider);

            var translator = new OpenAIToAnthropicStream("warmup,m", facts.Stream ? 9 : 0, provider);
            using var body = new MemoryStream(s_stream, writable: false);
            output.Clear();
            events += await translator.TranslateAllAsync(body, output, cancellationToken).ConfigureAwait(false);
            translator.Complete(output);
        }

        return events;
    }
}
