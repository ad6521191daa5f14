using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Providers;
using Ccr.Core.Tokens;

namespace Ccr.Bench.Scenarios;

/// <summary>The translation hot path in isolation: one request, one response, one stream chunk, one 200k-token count.</summary>
[MemoryDiagnoser]
public class MicroBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(64 * 1024);
    private byte[] _anthropicRequest = [];
    private byte[] _openAiResponse = [];
    private byte[] _openAiChunk = [];
    private byte[] _countTokensBody = [];
    private RequestOverrides _overrides = null!;
    private ProviderConfig _provider = null!;
    private ProviderProfile _profile = null!;
    private OpenAIToAnthropicStream _stream = null!;

    [GlobalSetup]
    public void Setup()
    {
        _anthropicRequest = Encoding.UTF8.GetBytes(Payloads.Large(anthropic: true));
        _openAiResponse = Encoding.UTF8.GetBytes("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello from the bench mock.\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":6,\"total_tokens\":18}}");
        _openAiChunk = Encoding.UTF8.GetBytes("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok \"},\"finish_reason\":null}]}");
        _countTokensBody = Encoding.UTF8.GetBytes(Payloads.CountTokens(200_000));
        _overrides = new RequestOverrides { Model = "m" };
        _provider = new ProviderConfig { Name = "mock", ApiBaseUrl = "http://127.0.0.1:1/v1", Endpoint = new Uri("http://127.0.0.1:1/v1/chat/completions") };
        _profile = ProviderProfile.For(_provider);
        _stream = new OpenAIToAnthropicStream("mock,m", 12, _provider);
    }

    [Benchmark]
    public int RequestTranslation()
    {
        _output.ResetWrittenCount();
        AnthropicToOpenAIRequest.Write(_anthropicRequest, _overrides, _profile, _output);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int ResponseTranslation()
    {
        _output.ResetWrittenCount();
        OpenAIToAnthropicResponse.Write(_openAiResponse, "mock,m", _output, _provider);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int StreamChunkTranslation()
    {
        _output.ResetWrittenCount();
        _stream.Translate(_openAiChunk, _output);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int CountTokens200k() => TokenCounter.CountRequest(_countTokensBody);
}
