using System.Text;
using Ccr.Core.Protocol;
using Ccr.Core.Routing;

namespace Ccr.Core.Tests.Routing;

public class CustomRouteRequestBuilderTests
{
    private static CustomRouteRequest Build(string body, string scenario = "default", string? route = "fake,good", int tokens = 42)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        return CustomRouteRequestBuilder.Build("req_1", RequestFacts.Read(bytes), bytes, scenario, route, tokens);
    }

    [Fact]
    public void ProjectDir_ComesFromClaudeCodesEnvironmentBlockInTheSystemPrompt()
    {
        CustomRouteRequest request = Build("""
            {"model":"claude-sonnet-4-5","system":[{"type":"text","text":"You are Claude Code."},
             {"type":"text","text":"Here is useful information about the environment you are running in:\n<env>\nWorking directory: /home/ana/src/payments\nIs directory a git repo: Yes\nPlatform: linux\n</env>"}],
             "messages":[{"role":"user","content":"hi"}]}
            """);

        Assert.Equal("/home/ana/src/payments", request.ProjectDir);
        Assert.StartsWith("You are Claude Code.\nHere is useful information", request.System, StringComparison.Ordinal);
    }

    [Fact]
    public void ProjectDir_ReadsPrimaryWorkingDirectory_AndWindowsPaths()
    {
        CustomRouteRequest request = Build("""
            {"system":"intro\n - Primary working directory: C:\\Users\\ana\\src\\app\r\nmore","messages":[{"role":"user","content":"hi"}]}
            """);

        Assert.Equal(@"C:\Users\ana\src\app", request.ProjectDir);
    }

    [Fact]
    public void ProjectDir_FallsBackToASystemTurnAmongTheMessages_AndIsNullWithoutOne()
    {
        CustomRouteRequest fromTurn = Build("""
            {"messages":[{"role":"system","content":"Working directory: /srv/app"},{"role":"user","content":"hi"}]}
            """);
        CustomRouteRequest none = Build("""
            {"system":"The working directory: is not said here","messages":[{"role":"user","content":"my working directory: /x"}]}
            """);

        Assert.Equal("/srv/app", fromTurn.ProjectDir);
        Assert.Null(none.ProjectDir);
    }

    [Fact]
    public void LastUserText_IsTheLatestUserTurnWithText_FromStringOrBlocks()
    {
        CustomRouteRequest fromBlocks = Build("""
            {"messages":[
              {"role":"user","content":"first"},
              {"role":"assistant","content":[{"type":"text","text":"ok"},{"type":"tool_use","id":"t1","name":"Read","input":{}}]},
              {"content":[{"type":"text","text":"second"},{"type":"image","source":{"type":"base64","media_type":"image/png","data":"AA=="}},{"type":"text","text":"part two"}],"role":"user"},
              {"role":"assistant","content":"reading"},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"file text"}]}
            ]}
            """);
        CustomRouteRequest fromString = Build("""{"messages":[{"role":"user","content":"just this"}]}""");

        Assert.Equal("second\npart two", fromBlocks.LastUserText);
        Assert.Equal("just this", fromString.LastUserText);
    }

    [Fact]
    public void LastUserText_LeavesOutClaudeCodesSystemReminders()
    {
        CustomRouteRequest request = Build("""
            {"messages":[
              {"role":"user","content":[{"type":"text","text":"<system-reminder>\nAs you answer, use this context\n</system-reminder>"},{"type":"text","text":"fix the login bug"}]},
              {"role":"assistant","content":"on it"},
              {"role":"user","content":[{"type":"text","text":"  <system-reminder>todo list changed</system-reminder>"}]}
            ]}
            """);

        Assert.Equal("fix the login bug", request.LastUserText);
    }

    [Fact]
    public void ToolsThinkingAndFacts_AreCarriedOver()
    {
        CustomRouteRequest request = Build("""
            {"model":"claude-opus-4","thinking":{"type":"enabled","budget_tokens":2048},
             "metadata":{"user_id":"user_abc_account_def_session_0f7c9a4e-1111-2222-3333-444455556666"},
             "tools":[{"name":"Read","input_schema":{"type":"object"}},{"type":"web_search_20250305","name":"web_search"}],
             "messages":[{"role":"user","content":"hi"}]}
            """, scenario: "think", route: "deepseek,deepseek-reasoner", tokens: 1234);

        Assert.Equal(new[] { "Read", "web_search" }, request.Tools);
        Assert.True(request.Thinking);
        Assert.Equal("claude-opus-4", request.Model);
        Assert.Equal("think", request.Scenario);
        Assert.Equal("deepseek,deepseek-reasoner", request.Route);
        Assert.Equal(1234, request.TokenCount);
        Assert.Equal("0f7c9a4e-1111-2222-3333-444455556666", request.SessionId);
        Assert.Equal("req_1", request.RequestId);
        Assert.Equal("", request.System);
    }
}
