BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    $script:config = Join-Path $TestDrive 'config.json'
    Set-Content -Path $script:config -Value @'
{
  // Two providers and a preset to complete from.
  "Providers": [
    { "name": "qwen", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "sk-sp-completion-1234", "models": ["qwen3-coder-plus", "qwen3-max-2026-01-23"] },
    { "name": "deepseek", "api_base_url": "https://api.deepseek.com/v1", "api_key": "sk-completion-5678", "models": ["deepseek-reasoner"] }
  ],
  "Router": { "tiers": ["qwen,qwen3-coder-plus"] },
  "Presets": { "coding_qwen": { "route": "qwen,qwen3-coder-plus" }, "reasoning": { "route": "deepseek,deepseek-reasoner" } }
}
'@

    function Get-Completion([string] $line) {
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText
    }
}

Describe 'Tab completion reads names from the config' {
    It 'completes preset names for -Name' {
        Get-Completion "Get-CcrPreset -ConfigPath '$script:config' -Name cod" | Should -Be @('coding_qwen')
    }

    It 'completes provider,model routes, quoted, for -Route and -Model' {
        $routes = Get-Completion "Set-CcrPreset -ConfigPath '$script:config' -Name x -Route qwen"
        $routes | Should -Contain "'qwen,qwen3-coder-plus'"
        $routes | Should -Contain "'qwen,qwen3-max-2026-01-23'"
        $routes | Should -Not -Contain "'deepseek,deepseek-reasoner'"
        Get-Completion "Invoke-CcrMessage -ConfigPath '$script:config' -Model deep" | Should -Be @("'deepseek,deepseek-reasoner'")
    }

    It 'completes provider names for Test-CcrProvider -Name' {
        Get-Completion "Test-CcrProvider -ConfigPath '$script:config' -Name d" | Should -Be @('deepseek')
    }

    It 'completes preset names for Invoke-CcrMessage -Preset' {
        Get-Completion "Invoke-CcrMessage -ConfigPath '$script:config' -Preset rea" | Should -Be @('reasoning')
    }
}
