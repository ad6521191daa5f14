# The session's proxy is every cmdlet's default config; a suspect key is a warning and a tier state, not a refusal;
# edits warn only about what they touch.
BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    $script:oldHome = $env:CCR_HOME
    $script:oldConfig = $env:CCR_CONFIG
    $script:oldQwen = $env:QWEN_API_KEY
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ("ccr-session-" + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    $env:CCR_HOME = $root
    # A default that must lose to the session's proxy: it does not exist, so using it would fail loudly.
    $env:CCR_CONFIG = Join-Path $root 'not-this-one.json'
    Remove-Item Env:QWEN_API_KEY -ErrorAction Ignore
    $env:CCR_TEST_FAKE_KEY = 'sk-fake-0123456789'

    . (Join-Path $PSScriptRoot 'TestSupport.ps1')

    $upstream = Start-FakeUpstream
    $script:fake = $upstream.Process
    $script:fakeBase = $upstream.BaseUrl
}

AfterAll {
    Get-CcrProxy -ErrorAction SilentlyContinue | Where-Object InThisSession | ForEach-Object { Stop-CcrProxy -Port $_.Port -Confirm:$false }
    if ($script:fake -and -not $fake.HasExited) { $fake.StandardInput.Close(); $null = $fake.WaitForExit(5000) }
    $env:CCR_HOME = $script:oldHome
    $env:CCR_CONFIG = $script:oldConfig
    Remove-Item Env:CCR_TEST_FAKE_KEY -ErrorAction Ignore
    if ($script:oldQwen) { $env:QWEN_API_KEY = $script:oldQwen }
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}

Describe 'The session''s proxy config is every cmdlet''s default' {
    BeforeAll {
        $script:port = Get-FreePort
        $script:cfg = Join-Path $root 'served.json'
        Set-Content -Path $cfg -Encoding utf8NoBOM -Value @"
{
    "PORT": $port,
    "Providers": [ { "name": "fake", "api_base_url": "$fakeBase/v1", "api_key": "${CCR_TEST_FAKE_KEY}", "models": ["m"] } ],
    "Router": { "default": "fake,m", "tiers": ["fake,m"] },
    "Presets": { "first": { "route": "fake,m" } }
}
"@
        Start-CcrProxy -ConfigPath $cfg
    }

    It 'Get-CcrTier, Get-CcrPreset and Test-CcrProvider read it without -ConfigPath' {
        $tiers = @(Get-CcrTier)
        $tiers.Count | Should -Be 1
        $tiers[0].ConfigPath | Should -Be $cfg
        $tiers[0].LiveSource | Should -Be 'this session'
        (Get-CcrPreset).Name | Should -Be 'first'
        (Test-CcrProvider -Offline | Select-Object -First 1).Provider | Should -Be 'fake'
    }

    It 'Invoke-CcrMessage sends through it without -ConfigPath' {
        $r = Invoke-CcrMessage 'Hello'
        $r.Text | Should -Be 'Hello from fake upstream'
        $r.Provider | Should -Be 'fake'
    }

    It 'Set-CcrPreset and Remove-CcrPreset edit it without -ConfigPath' {
        Set-CcrPreset -Name second -Route fake,m -Confirm:$false
        (Get-Content -Raw $cfg) | Should -Match '"second"'
        Remove-CcrPreset -Name second -Confirm:$false
        (Get-Content -Raw $cfg) | Should -Not -Match '"second"'
    }

    It '-ConfigPath still wins' {
        $other = Join-Path $root 'other.json'
        Set-Content -Path $other -Encoding utf8NoBOM -Value '{ "Router": { "tiers": ["x,a", "y,b"] } }'
        @(Get-CcrTier -ConfigPath $other -Offline).Count | Should -Be 2
    }

    It 'after Stop-CcrProxy the next default (CCR_CONFIG) applies, and a missing file says how to write one' {
        Stop-CcrProxy -Port $port -Confirm:$false
        $err = { Get-CcrTier } | Should -Throw -ErrorId 'ConfigNotFound,Ccr.PowerShell.Commands.GetCcrTierCommand' -PassThru
        $err.Exception.Message | Should -BeLike "*not-this-one.json: The config file does not exist. Write one with New-CcrConfig*"
        $err.Exception.Message | Should -Not -Match 'seed'
        $err.ErrorDetails.RecommendedAction | Should -BeLike '*New-CcrConfig -Template CodingPlan -Path*not-this-one.json*'
    }
}

Describe 'A Coding Plan host with a standard key' {
    BeforeAll {
        $script:suspectPort = Get-FreePort
        $script:suspect = Join-Path $root 'suspect.json'
        Set-Content -Path $suspect -Encoding utf8NoBOM -Value @"
{
    "PORT": $suspectPort,
    "Providers": [ { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "sk-0123456789abcdef", "models": ["qwen3-coder-plus"] } ],
    "Router": { "tiers": ["qwen,qwen3-coder-plus"] }
}
"@
    }
    AfterAll { Stop-CcrProxy -Port $suspectPort -Confirm:$false -ErrorAction SilentlyContinue }

    It 'starts, shows KeySuspect with the warning, and Test-CcrProvider reports a KeyFormat warning' {
        $proxy = Start-CcrProxy -ConfigPath $suspect -PassThru
        $proxy.Port | Should -Be $suspectPort
        $tier = Get-CcrTier -WarningVariable warned -WarningAction SilentlyContinue
        ($warned -join "`n") | Should -Match "Provider 'qwen' points at coding-intl.dashscope.aliyuncs.com with a key that does not start with sk-sp-"
        ($warned -join "`n") | Should -Match 'still sends it'
        $tier.State | Should -Be 'KeySuspect'
        $tier.IsLive | Should -BeTrue
        $format = Test-CcrProvider -Offline | Where-Object Check -eq 'KeyFormat'
        $format.Status | Should -Be 'Warning'
        $format.Message | Should -Match 'sk-sp-'
    }
}

Describe 'Edits warn only about what they touch' {
    BeforeEach {
        $script:documented = Join-Path $root 'documented.json'
        # The README's config with every provider's key left unset.
        Set-Content -Path $documented -Encoding utf8NoBOM -Value @'
{
    "Providers": [
        { "name": "zai", "api_base_url": "https://api.z.ai/api/coding/paas/v4", "api_key": "${CCR_TEST_UNSET_ZAI_KEY}", "models": ["glm-5"] },
        { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "${QWEN_API_KEY}", "models": ["qwen3-coder-plus"], "tier_name": "ccr-qwen" },
        { "name": "minimax", "api_base_url": "https://api.minimax.io/v1", "api_key": "${CCR_TEST_UNSET_MINIMAX_KEY}", "models": ["MiniMax-M2.5"] },
        { "name": "deepseek", "api_base_url": "https://api.deepseek.com", "api_key": "${CCR_TEST_UNSET_DEEPSEEK_KEY}", "models": ["deepseek-reasoner"] }
    ],
    "Router": { "default": "zai,glm-5", "tiers": ["zai,glm-5", "qwen,qwen3-coder-plus", "minimax,MiniMax-M2.5", "deepseek,deepseek-reasoner"] },
    "Presets": { "coding_qwen": { "route": "qwen,qwen3-coder-plus", "temperature": 0.7 } }
}
'@
    }

    It 'Set-CcrPreset changing a value prints no warning about the providers' {
        Set-CcrPreset -Name coding_qwen -Temperature 0.5 -ConfigPath $documented -WarningVariable warned -WarningAction SilentlyContinue
        $warned | Should -BeNullOrEmpty
        (Get-Content -Raw $documented) | Should -Match '"temperature": 0.5'
    }

    It 'Set-CcrPreset with a route warns about that route''s provider only' {
        Set-CcrPreset -Name fast -Route deepseek,deepseek-reasoner -ConfigPath $documented -WarningVariable warned -WarningAction SilentlyContinue
        @($warned).Count | Should -Be 1
        "$($warned[0])" | Should -Match "Provider 'deepseek' has no key"
    }

    It 'Remove-CcrPreset prints no warning about the providers' {
        Remove-CcrPreset -Name coding_qwen -ConfigPath $documented -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $warned | Should -BeNullOrEmpty
    }

    It 'Set-CcrTier and Remove-CcrTier warn about the moved route''s provider only' {
        Set-CcrTier -Route deepseek,deepseek-reasoner -Position 0 -ConfigPath $documented -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        @($warned).Count | Should -Be 1
        "$($warned[0])" | Should -Match "Provider 'deepseek' has no key"

        Remove-CcrTier -Route minimax,MiniMax-M2.5 -ConfigPath $documented -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        @($warned).Count | Should -Be 1
        "$($warned[0])" | Should -Match "Provider 'minimax' has no key"
    }

    It 'Set-CcrProvider warns about that provider only, Remove-CcrProvider about none' {
        Set-CcrProvider -Name qwen -Model qwen3-coder-plus, qwen3-max-2026-01-23 -ConfigPath $documented -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        @($warned | Where-Object { "$_" -match "Provider '(zai|minimax|deepseek)'" }) | Should -BeNullOrEmpty
        (Get-Content -Raw $documented) | Should -Match 'qwen3-max-2026-01-23'

        Remove-CcrProvider -Name minimax -Force -ConfigPath $documented -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        @($warned | Where-Object { "$_" -match "has no key" }) | Should -BeNullOrEmpty
    }
}
