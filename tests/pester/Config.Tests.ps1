BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    # Bytes compared as Base64: one string comparison instead of thousands of element checks.
    function script:Get-Bytes([string] $Path) { [Convert]::ToBase64String([IO.File]::ReadAllBytes($Path)) }
    $script:seed = Join-Path $PSScriptRoot '../Ccr.Core.Tests/Fixtures/seed-full.jsonc'
    $script:qwenProvider = @'
{
    // Qwen Coding Plan
    "Providers": [
        {
            "name": "qwen",
            "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1",
            "api_key": "sk-sp-0123456789abcdef",
            "models": ["qwen3-coder-plus", "qwen3-max-2026-01-23"],
            "tier_name": "ccr-qwen"
        }
    ],
    "Presets": {
        /* used by curl /preset/coding_qwen/v1/messages */
        "coding_qwen": {
            "route": "qwen,qwen3-coder-plus",
            "temperature": 0.7
        },
        "reasoning_qwen": {
            "route": "qwen,qwen3-max-2026-01-23"
        }
    }
}
'@
}

Describe 'Get-CcrTier' {
    It 'lists the seed full example''s four tiers in order with ccr-qwen on the qwen tier' {
        $config = Join-Path $TestDrive 'config.json'
        Copy-Item $script:seed $config
        $tiers = @(Get-CcrTier -ConfigPath $config)
        $tiers.Count | Should -Be 4
        ($tiers | ForEach-Object { "$($_.Provider),$($_.Model)" }) | Should -Be @(
            'zai,glm-5', 'qwen,qwen3-coder-plus', 'minimax,MiniMax-M2.5', 'deepseek,deepseek-reasoner')
        $tiers[1].TierName | Should -Be 'ccr-qwen'
        $tiers[1].Endpoint.AbsoluteUri | Should -Be 'https://coding-intl.dashscope.aliyuncs.com/v1/chat/completions'
        $tiers[0].State | Should -Be 'UnknownProvider'
        $tiers[1].PSObject.TypeNames[0] | Should -Be 'Ccr.PowerShell.TierInfo'
    }

    It 'reports a syntax error with line and column' {
        $config = Join-Path $TestDrive 'broken.json'
        Set-Content -Path $config -Value "{`n  `"PORT`": 3456`n  `"HOST`": `"127.0.0.1`"`n}" -NoNewline
        { Get-CcrTier -ConfigPath $config } | Should -Throw -ErrorId 'ConfigInvalid,Ccr.PowerShell.Commands.GetCcrTierCommand' -ExpectedMessage '*broken.json:3:3*'
    }
}

Describe 'Set-CcrPreset' {
    BeforeEach {
        $script:config = Join-Path $TestDrive 'config.json'
        Remove-Item "$($script:config).bak" -ErrorAction Ignore
        [IO.File]::WriteAllText($script:config, $script:qwenProvider)
        $script:before = Get-Bytes $script:config
    }

    It 'changes only the preset''s lines' {
        Set-CcrPreset -ConfigPath $script:config -Name coding_qwen -Temperature 0.2
        $old = $script:qwenProvider -split "`n"
        $new = (Get-Content -Raw $script:config) -split "`n"
        $new.Count | Should -Be $old.Count
        $changed = @(0..($old.Count - 1) | Where-Object { $old[$_] -cne $new[$_] })
        $changed.Count | Should -Be 1
        $new[$changed[0]] | Should -BeExactly '            "temperature": 0.2'
        Get-Bytes "$($script:config).bak" | Should -Be $script:before
    }

    It 'creates a new preset that Get-CcrPreset returns' {
        $preset = Set-CcrPreset -ConfigPath $script:config -Name fast -Route 'qwen,qwen3-coder-plus' -MaxTokens 2048 -PassThru
        $preset.Route | Should -Be 'qwen,qwen3-coder-plus'
        (Get-CcrPreset -ConfigPath $script:config -Name fast).MaxTokens | Should -Be 2048
    }

    It 'writes nothing with -WhatIf' {
        Set-CcrPreset -ConfigPath $script:config -Name coding_qwen -Temperature 0.1 -WhatIf
        Set-CcrPreset -ConfigPath $script:config -Name another -Route 'qwen,qwen3-coder-plus' -WhatIf
        Get-Bytes $script:config | Should -Be $script:before
        Test-Path "$($script:config).bak" | Should -BeFalse
    }

    It 'refuses a route to an unknown provider and leaves the file unchanged' {
        { Set-CcrPreset -ConfigPath $script:config -Name coding_qwen -Route 'zai,glm-5' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRoute,Ccr.PowerShell.Commands.SetCcrPresetCommand' -ExpectedMessage '*$.Presets.coding_qwen.route*'
        Get-Bytes $script:config | Should -Be $script:before
    }

    It 'refuses a model the provider does not list' {
        { Set-CcrPreset -ConfigPath $script:config -Name coding_qwen -Route 'qwen,qwen-typo' -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRoute,Ccr.PowerShell.Commands.SetCcrPresetCommand'
        Get-Bytes $script:config | Should -Be $script:before
    }
}

Describe 'Get-CcrPreset and Remove-CcrPreset' {
    BeforeEach {
        $script:config = Join-Path $TestDrive 'config.json'
        [IO.File]::WriteAllText($script:config, $script:qwenProvider)
    }

    It 'reports a missing preset name as PresetNotFound' {
        { Get-CcrPreset -ConfigPath $script:config -Name ghost -ErrorAction Stop } |
            Should -Throw -ErrorId 'PresetNotFound,Ccr.PowerShell.Commands.GetCcrPresetCommand'
        @(Get-CcrPreset -ConfigPath $script:config -Name 'ghost*').Count | Should -Be 0
    }

    It 'removes a preset piped from Get-CcrPreset' {
        Get-CcrPreset -ConfigPath $script:config -Name reasoning_qwen | Remove-CcrPreset -Confirm:$false
        @(Get-CcrPreset -ConfigPath $script:config).Name | Should -Be @('coding_qwen')
        Get-Content -Raw $script:config | Should -Match '/\* used by curl'
    }

    It 'removes nothing with -WhatIf' {
        $before = Get-Bytes $script:config
        Remove-CcrPreset -ConfigPath $script:config -Name coding_qwen -WhatIf
        Get-Bytes $script:config | Should -Be $before
    }
}
