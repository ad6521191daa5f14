# The whole user flow in this fresh pwsh (started by build.ps1), against the fake upstream process:
# presets, an in-session proxy answering the seed's requests, Invoke-CcrMessage, live tier state,
# Test-CcrProvider, the profile-safe second start, Stop-CcrProxy, session exit, and -Detached.
BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    $script:oldHome = $env:CCR_HOME
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ("ccr-pester-" + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    # Every Ccr file (state, logs, control tokens) of this run, and of the child sessions, stays here.
    $env:CCR_HOME = $root

    . (Join-Path $PSScriptRoot 'TestSupport.ps1')

    $upstream = Start-FakeUpstream
    $script:fake = $upstream.Process
    $script:fakeBase = $upstream.BaseUrl

    $script:port = Get-FreePort
    $script:cfg = Join-Path $root 'config.json'
    Set-Content -Path $cfg -Encoding utf8NoBOM -Value @"
{
    "PORT": $port,
    "Providers": [
        {
            "name": "zai",
            "api_base_url": "$fakeBase/v1",
            "api_key": "sk-zai-0123456789abcdef",
            "models": ["fail-500"],
            "tier_name": "ccr-zai"
        },
        {
            "name": "qwen",
            "api_base_url": "$fakeBase/v1",
            "api_key": "sk-sp-0123456789abcdef",
            "models": ["qwen3-coder-plus", "qwen3-max-2026-01-23"],
            "transformer": { "use": ["anthropic"] },
            "tier_name": "ccr-qwen"
        }
    ],
    "Router": {
        "tiers": ["zai,fail-500", "qwen,qwen3-coder-plus"],
        "tierRetries": { "tier-0": { "max_retries": 0 } }
    }
}
"@
}

AfterAll {
    Get-CcrProxy -Port $port -ErrorAction SilentlyContinue | Stop-CcrProxy -Confirm:$false -ErrorAction SilentlyContinue
    if ($script:fake) { $fake.StandardInput.Close(); if (-not $fake.WaitForExit(5000)) { $fake.Kill($true) } }
    $env:CCR_HOME = $oldHome
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}

Describe 'Full flow: presets, proxy, messages, tiers, providers' {
    It 'Set-CcrPreset adds the seed''s presets' {
        Set-CcrPreset -ConfigPath $cfg -Name coding_qwen -Route qwen,qwen3-coder-plus -Temperature 0.7
        Set-CcrPreset -ConfigPath $cfg -Name reasoning_qwen -Route qwen,qwen3-max-2026-01-23
        (Get-CcrPreset -ConfigPath $cfg).Name | Should -Be @('coding_qwen', 'reasoning_qwen')
    }

    It 'Start-CcrProxy serves the config in this session and returns at once' {
        $proxy = Start-CcrProxy -ConfigPath $cfg -PassThru
        $proxy.Port | Should -Be $port
        $proxy.Mode | Should -Be 'session'
        $proxy.ProcessId | Should -Be $PID
        $proxy.PSObject.TypeNames[0] | Should -Be 'Ccr.PowerShell.ProxyInfo'
    }

    It 'answers the seed''s curl request on /v1/messages' {
        $body = '{"model":"qwen,qwen3-coder-plus","max_tokens":50,"messages":[{"role":"user","content":"Hello"}]}'
        $answer = Invoke-RestMethod -Method Post -Uri "http://localhost:$port/v1/messages" -ContentType 'application/json' -Headers @{ 'anthropic-version' = '2023-06-01' } -Body $body
        $answer.type | Should -Be 'message'
        $answer.content[0].text | Should -Be 'Hello from fake upstream'
    }

    It 'answers the seed''s preset request with only messages' {
        $body = '{"messages":[{"role":"user","content":"Refactor this function..."}]}'
        $answer = Invoke-RestMethod -Method Post -Uri "http://localhost:$port/preset/coding_qwen/v1/messages" -ContentType 'application/json' -Body $body
        $answer.content[0].text | Should -Be 'Hello from fake upstream'
    }

    It 'Invoke-CcrMessage by route returns the answer object' {
        $r = Invoke-CcrMessage 'Hello' -Model qwen,qwen3-coder-plus -ConfigPath $cfg
        $r.PSObject.TypeNames[0] | Should -Be 'Ccr.PowerShell.MessageResult'
        $r.Text | Should -Be 'Hello from fake upstream'
        ($r.Provider, $r.Model, $r.Tier, $r.StopReason) | Should -Be @('qwen', 'qwen3-coder-plus', 1, 'end_turn')
        $r.InputTokens | Should -BeGreaterThan 0
        $r.OutputTokens | Should -BeGreaterThan 0
        $r.LatencyMs | Should -BeGreaterThan 0
    }

    It 'Invoke-CcrMessage by preset, streaming, still returns the object' {
        $r = Invoke-CcrMessage 'Hello' -Preset coding_qwen -Stream -ConfigPath $cfg
        $r.Streamed | Should -BeTrue
        $r.Text | Should -Be 'Hello from fake upstream'
        $r.Provider | Should -Be 'qwen'
        $r.StopReason | Should -Be 'end_turn'
    }

    It 'Invoke-CcrMessage -Raw returns the Anthropic JSON' {
        $raw = Invoke-CcrMessage 'Hello' -Preset reasoning_qwen -Raw -ConfigPath $cfg
        $raw | Should -BeOfType [string]
        ($raw | ConvertFrom-Json).content[0].text | Should -Be 'Hello from fake upstream'
    }

    It 'falls back from a failing tier 0, and Get-CcrTier shows the failure live' {
        $r = Invoke-CcrMessage 'Hello' -ConfigPath $cfg
        $r.Tier | Should -Be 1
        $r.Attempts | Should -Be 2
        $tiers = @(Get-CcrTier -ConfigPath $cfg)
        $tiers[0].IsLive | Should -BeTrue
        $tiers[0].Failures | Should -BeGreaterOrEqual 1
        $tiers[0].LastError | Should -Match '500'
        $tiers[1].Requests | Should -BeGreaterOrEqual 1
        ($tiers | Format-Table | Out-String) | Should -Match 'ccr-zai'
    }

    It 'Test-CcrProvider warns about a Coding Plan endpoint with a standard key' {
        $badCfg = Join-Path $root 'badkey.json'
        Set-Content -Path $badCfg -Encoding utf8NoBOM -Value '{ "Providers": [ { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "sk-0123456789abcdef", "models": ["qwen3-coder-plus"] } ] }'
        $bad = @(Test-CcrProvider -ConfigPath $badCfg -Offline | Where-Object Status -ne Ok)
        $bad.Count | Should -Be 1
        $bad[0].Provider | Should -Be 'qwen'
        $bad[0].Check | Should -Be 'KeyFormat'
        # A key prefix is a guess: a finding to act on, not a failure that blocks the tier (issue 15).
        $bad[0].Status | Should -Be 'Warning'
        $bad[0].Message | Should -Match 'sk-sp-'
    }

    It 'Test-CcrProvider checks the fake providers online' {
        $results = @(Test-CcrProvider -ConfigPath $cfg -Force)
        ($results | Where-Object { $_.Provider -eq 'qwen' -and $_.Check -eq 'Auth' }).Status | Should -Be 'Ok'
        ($results | Where-Object { $_.Provider -eq 'zai' -and $_.Check -eq 'Reachable' }).Status | Should -Be 'Failed'
    }

    It 'refuses the Coding Plan provider from this non-interactive host unless -Force' {
        $planCfg = Join-Path $root 'plan.json'
        Set-Content -Path $planCfg -Encoding utf8NoBOM -Value "{ `"Providers`": [ { `"name`": `"qwen`", `"api_base_url`": `"$fakeBase/v1`", `"api_key`": `"sk-sp-0123456789abcdef`", `"models`": [`"m`"], `"interactive_only`": true } ] }"
        { Invoke-CcrMessage 'Hello' -Model qwen,m -ConfigPath $planCfg -ErrorAction Stop } |
            Should -Throw -ErrorId 'InteractiveOnlyProvider,Ccr.PowerShell.Commands.InvokeCcrMessageCommand' -ExpectedMessage '*interactive coding tools*'
        (Invoke-CcrMessage 'Hello' -Model qwen,m -ConfigPath $planCfg -Force).Text | Should -Be 'Hello from fake upstream'
    }

    It 'a second Start-CcrProxy returns the running proxy' {
        $again = Start-CcrProxy -ConfigPath $cfg -PassThru
        $again.ProcessId | Should -Be $PID
        $again.RequestsServed | Should -BeGreaterOrEqual 2
        @(Get-CcrProxy -ConfigPath $cfg).Count | Should -Be 1
    }

    It 'the profile line in a second session returns this session''s proxy and points it there' {
        $child = Invoke-ChildPwsh "Import-Module '$env:CCR_TEST_MODULE'; `$p = Start-CcrProxy -SetEnvironment -ConfigPath '$cfg' -PassThru; `$p.ProcessId; `$env:ANTHROPIC_BASE_URL; `$env:ANTHROPIC_AUTH_TOKEN"
        $child.ExitCode | Should -Be 0 -Because $child.Err
        $lines = $child.Out -split "`r?`n"
        $lines[0] | Should -Be "$PID"
        $lines[1] | Should -Be "http://127.0.0.1:$port"
        $lines[2] | Should -Be 'ccr'
    }

    It 'Stop-CcrProxy stops it and frees the port' {
        $stopped = Stop-CcrProxy -Port $port -Confirm:$false -PassThru
        $stopped.Port | Should -Be $port
        Get-CcrProxy -Port $port -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        Test-PortFree $port | Should -BeTrue
    }
}

Describe 'Session exit' {
    It 'a pwsh that started a proxy and exited leaves no listener behind' {
        $p2 = Get-FreePort
        $child = Invoke-ChildPwsh "Import-Module '$env:CCR_TEST_MODULE'; (Start-CcrProxy -Port $p2 -ConfigPath '$cfg' -PassThru).Port"
        $child.ExitCode | Should -Be 0 -Because $child.Err
        $child.Out | Should -Be "$p2"
        Test-PortFree $p2 | Should -BeTrue
    }
}

Describe 'Detached proxy' {
    BeforeAll { $script:p3 = Get-FreePort; $script:detachedPid = $null }
    AfterAll {
        if ($script:detachedPid) { Stop-Process -Id $script:detachedPid -Force -ErrorAction SilentlyContinue }
    }

    It 'survives the session that started it and is stopped from another' {
        $starter = Invoke-ChildPwsh "Import-Module '$env:CCR_TEST_MODULE'; `$p = Start-CcrProxy -Detached -Port $p3 -ConfigPath '$cfg' -PassThru; `$p.ProcessId; `$p.Mode"
        $starter.ExitCode | Should -Be 0 -Because $starter.Err
        $lines = $starter.Out -split "`r?`n"
        $script:detachedPid = [int] $lines[0]
        $lines[1] | Should -Be 'detached'
        $detachedPid | Should -Not -Be $starter.Pid

        # The starting session has exited; the proxy still answers.
        $running = Get-CcrProxy -Port $p3
        $running.Mode | Should -Be 'detached'
        $running.ProcessId | Should -Be $detachedPid
        (Invoke-RestMethod -Method Post -Uri "http://127.0.0.1:$p3/v1/messages" -ContentType 'application/json' -Body '{"model":"qwen,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}').content[0].text |
            Should -Be 'Hello from fake upstream'

        $stopper = Invoke-ChildPwsh "Import-Module '$env:CCR_TEST_MODULE'; Stop-CcrProxy -Port $p3 -Confirm:`$false -PassThru | ForEach-Object Mode"
        $stopper.ExitCode | Should -Be 0 -Because $stopper.Err
        $stopper.Out | Should -Be 'detached'
        Test-PortFree $p3 | Should -BeTrue
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        while ((Get-Process -Id $detachedPid -ErrorAction SilentlyContinue) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }
        Get-Process -Id $detachedPid -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $script:detachedPid = $null
    }
}
