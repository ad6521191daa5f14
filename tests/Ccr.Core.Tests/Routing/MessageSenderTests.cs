using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;
using FakeUpstream;

namespace Ccr.Core.Tests.Routing;

/// <summary>
/// Sending one message on the user's behalf: the interactive-only (Coding Plan) policy decides before
/// anything leaves, and an admitted message goes through the real router to a fake upstream.
/// </summary>
public sealed class MessageSenderTests : IAsyncDisposable
{
    private static readonly HostInteractivity s_ci = HostInteractivity.NonInteractive("the CI environment variable is set");

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "ccr-sender-" + Guid.NewGuid().ToString("N"));
    private readonly FakeUpstreamServer _upstream = FakeUpstreamServer.Start();
    private RouterEngine? _engine;

    [Fact]
    public void Admit_RefusesAnInteractiveOnlyProvider_FromAHostNobodyDrives()
    {
        var sender = new MessageSender(Engine(), s_ci, force: false);

        MessageAdmission admission = sender.Admit(Spec("plan,p"), null);

        Assert.Equal(MessageAdmissionStatus.Refused, admission.Status);
        Assert.Null(admission.Request);
        Assert.NotNull(admission.Refusal);
        Assert.Equal("plan", admission.Refusal.Provider.Name);
        Assert.Equal("the CI environment variable is set", admission.Refusal.Reason);
        Assert.Throws<InvalidOperationException>(() => { _ = sender.SendAsync(admission, new MessageCollector(), CancellationToken.None); });
    }

    [Fact]
    public void Admit_RefusesWhenTheRouterWouldChooseTheInteractiveOnlyProvider()
    {
        var sender = new MessageSender(Engine(), s_ci, force: false);

        MessageAdmission admission = sender.Admit(Spec(null), null);

        Assert.Equal(MessageAdmissionStatus.Refused, admission.Status);
        Assert.Equal("plan", admission.Refusal?.Provider.Name);
    }

    [Fact]
    public async Task Send_WithForce_ReachesTheInteractiveOnlyProvider_FromAHostNobodyDrives()
    {
        _upstream.Script("p", FakeReply.Text("forced answer"));
        var sender = new MessageSender(Engine(), s_ci, force: true);

        MessageAdmission admission = sender.Admit(Spec("plan,p"), null);
        var collector = new MessageCollector();
        RouteResult result = await sender.SendAsync(admission, collector, CancellationToken.None);
        collector.Complete();

        Assert.Equal(MessageAdmissionStatus.Admitted, admission.Status);
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("plan", result.Provider);
        Assert.Equal("forced answer", collector.Text);
    }

    [Fact]
    public async Task Send_FromAnInteractiveHost_ReachesTheInteractiveOnlyProvider()
    {
        _upstream.Script("p", FakeReply.Text("hello from the plan"));
        var sender = new MessageSender(Engine(), HostInteractivity.Interactive, force: false);

        MessageAdmission admission = sender.Admit(Spec("plan,p"), null);
        var collector = new MessageCollector();
        RouteResult result = await sender.SendAsync(admission, collector, CancellationToken.None);
        collector.Complete();

        Assert.Equal(MessageAdmissionStatus.Admitted, admission.Status);
        Assert.True(result.Succeeded, result.Error?.Message);
        Assert.Equal("hello from the plan", collector.Text);
        Assert.Equal(1, _upstream.CountFor("p"));
    }

    [Fact]
    public void Admit_LetsOtherProvidersThrough_FromAHostNobodyDrives()
    {
        var sender = new MessageSender(Engine(), s_ci, force: false);

        MessageAdmission admission = sender.Admit(Spec("payg,m"), null);

        Assert.Equal(MessageAdmissionStatus.Admitted, admission.Status);
        Assert.Null(admission.Refusal);
        Assert.NotNull(admission.Request);
    }

    [Fact]
    public void Admit_WarnsOnce_WhenABatchGoesToAnInteractiveOnlyProvider()
    {
        var sender = new MessageSender(Engine(), HostInteractivity.Interactive, force: false);

        var warnings = new List<string?>();
        for (int i = 0; i < MessageSender.BatchWarningThreshold + 3; i++)
        {
            warnings.Add(sender.Admit(Spec("plan,p"), null).BatchWarning?.Name);
        }

        Assert.Equal(new string?[] { null, null, null, "plan", null, null }, warnings);
    }

    [Fact]
    public void Admit_DoesNotCountOtherProvidersTowardsTheBatch()
    {
        var sender = new MessageSender(Engine(), HostInteractivity.Interactive, force: false);

        for (int i = 0; i < MessageSender.BatchWarningThreshold + 3; i++)
        {
            Assert.Null(sender.Admit(Spec("payg,m"), null).BatchWarning);
        }
    }

    [Fact]
    public void Admit_DefaultsMaxTokens_UnlessThePresetHasItsOwn()
    {
        var sender = new MessageSender(Engine(), HostInteractivity.Interactive, force: false);

        string plain = BodyOf(sender.Admit(Spec("payg,m"), null));
        string preset = BodyOf(sender.Admit(Spec(null), "short"));
        string given = BodyOf(sender.Admit(Spec("payg,m", maxTokens: 7), null));

        Assert.Contains("\"max_tokens\":4096", plain, StringComparison.Ordinal);
        Assert.DoesNotContain("max_tokens", preset, StringComparison.Ordinal);
        Assert.Contains("\"max_tokens\":7", given, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        await _upstream.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
        }
    }

    private static MessageRequestSpec Spec(string? model, int? maxTokens = null) => new() { Model = model, Message = "Hi", MaxTokens = maxTokens };

    private static string BodyOf(MessageAdmission admission)
    {
        Assert.Equal(MessageAdmissionStatus.Admitted, admission.Status);
        return Encoding.UTF8.GetString(admission.Request!.Body.Span);
    }

    private RouterEngine Engine()
    {
        string json = $$"""
            {
              "Providers": [
                { "name": "plan", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-plan", "models": ["p"], "interactive_only": true },
                { "name": "payg", "api_base_url": "{{_upstream.OpenAIBaseUrl}}", "api_key": "sk-payg", "models": ["m"] }
              ],
              "Router": { "default": "plan,p" },
              "Presets": { "short": { "route": "payg,m", "max_tokens": 100 } },
              "LOG": false
            }
            """;
        CcrConfig config = ConfigLoader.LoadFromText(json, null).Config ?? throw new InvalidOperationException("test config did not load");
        _engine = new RouterEngine(config, new RouterEngineOptions { StateFolder = Path.Combine(_folder, "state"), LogFolder = Path.Combine(_folder, "logs") });
        return _engine;
    }
}
