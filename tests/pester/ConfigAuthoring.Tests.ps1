# New-CcrConfig, Set/Remove-CcrProvider and Set/Remove-CcrTier against real files in $TestDrive.
BeforeDiscovery {
    $script:templateCases = @(
        @{ Template = 'CodingPlan'; Provider = 'qwen'; Variable = 'QWEN_API_KEY'; Key = 'sk-sp-pester0123456789' }
        @{ Template = 'Zai'; Provider = 'zai'; Variable = 'ZAI_API_KEY'; Key = 'zai-pester-0123456789' }
        @{ Template = 'DeepSeek'; Provider = 'deepseek'; Variable = 'DEEPSEEK_API_KEY'; Key = 'sk-pester0123456789' }
        @{ Template = 'MiniMax'; Provider = 'minimax'; Variable = 'MINIMAX_API_KEY'; Key = 'mm-pester-0123456789' }
        @{ Template = 'OpenRouter'; Provider = 'openrouter'; Variable = 'OPENROUTER_API_KEY'; Key = 'sk-or-v1-pester0123456789' }
        @{ Template = 'Ollama'; Provider = 'ollama'; Variable = $null; Key = $null }
        @{ Template = 'LMStudio'; Provider = 'lmstudio'; Variable = $null; Key = $null }
    )
}

BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    function script:Get-Bytes([string] $Path) { [Convert]::ToBase64String([IO.File]::ReadAllBytes($Path)) }
    function script:New-Folder {
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $folder | Out-Null
        $folder
    }
    $script:commented = @'
// Ccr config: every comment here must survive an edit.
{
    /* providers */
    "Providers": [
        {
            "name": "qwen", // the plan
            "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1",
            "api_key": "${QWEN_API_KEY}",
            "models": ["qwen3-coder-plus", "qwen3-max-2026-01-23"],
            "tier_name": "ccr-qwen"
        },
        // the local one
        {
            "name": "local",
            "api_base_url": "http://127.0.0.1:11434/v1",
            "models": ["coder"] // pulled already
        }
    ],
    "Router": {
        "default": "qwen,qwen3-coder-plus",
        "tiers": [
            "qwen,qwen3-coder-plus", // Tier 0
            "qwen,qwen3-max-2026-01-23" // Tier 1
        ]
    },
    "Presets": {
        "coding_qwen": { "route": "qwen,qwen3-coder-plus" } // warm
    },
    "unknown_key": { "kept": true }
}

'@ -replace "`r`n", "`n"
    function script:New-Commented {
        $path = Join-Path (New-Folder) 'config.json'
        [IO.File]::WriteAllText($path, $script:commented)
        $path
    }
}

Describe 'New-CcrConfig -Template <Template>' -ForEach $templateCases {
    It 'writes a config that loads, with the key only in .env' {
        $folder = New-Folder
        $config = Join-Path $folder 'config.json'
        $parameters = @{ Template = $Template; Path = $config; Plan = 'Lite'; WarningAction = 'SilentlyContinue' }
        if ($Key) { $parameters.ApiKey = ConvertTo-SecureString $Key -AsPlainText -Force }

        $results = @(New-CcrConfig @parameters)

        Test-Path $config | Should -BeTrue
        $text = Get-Content -Raw $config
        $tiers = @(Get-CcrTier -ConfigPath $config)
        $tiers.Count | Should -Be 1
        $tiers[0].Provider | Should -Be $Provider
        $results.Count | Should -BeGreaterThan 0
        $results[0].PSObject.TypeNames[0] | Should -Be 'Ccr.PowerShell.ProviderTestResult'
        @($results | Where-Object Check -eq 'Config').Count | Should -Be 0
        $envFile = Join-Path $folder '.env'
        if ($Key) {
            $text | Should -Not -Match ([regex]::Escape($Key))
            $text | Should -Match ([regex]::Escape('${' + $Variable + '}'))
            Get-Content -Raw $envFile | Should -Be "$Variable=$Key`n"
            ($results | Where-Object Check -eq 'KeyVariable').Status | Should -Be 'Ok'
            if (-not $IsWindows) {
                (Get-Item -Force $envFile).UnixFileMode | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite')
            }
        }
        else {
            Test-Path $envFile | Should -BeFalse
            $text | Should -Not -Match 'api_key'
        }
    }
}

Describe 'New-CcrConfig' {
    It 'combines templates into one tier chain in the order given' {
        $config = Join-Path (New-Folder) 'config.json'
        New-CcrConfig -Template CodingPlan, Ollama -Path $config -Plan Pro -ApiKey (ConvertTo-SecureString 'sk-sp-pester0123456789' -AsPlainText -Force) | Out-Null

        (Get-CcrTier -ConfigPath $config | ForEach-Object { "$($_.Provider),$($_.Model)" }) | Should -Be @('qwen,qwen3-coder-plus', 'ollama,qwen3-coder:30b')
        Get-Content -Raw $config | Should -Match '"quota": \{ "plan": "pro" \}'
    }

    It 'never overwrites an existing config without -Force, and keeps a backup with it' {
        $config = New-Commented
        $before = Get-Bytes $config

        { New-CcrConfig -Template Ollama -Path $config -ErrorAction Stop } | Should -Throw -ErrorId 'ConfigExists,Ccr.PowerShell.Commands.NewCcrConfigCommand'
        Get-Bytes $config | Should -Be $before

        New-CcrConfig -Template Ollama -Path $config -Force | Out-Null
        Get-Bytes "$config.bak" | Should -Be $before
        (Get-CcrTier -ConfigPath $config).Provider | Should -Be 'ollama'
    }

    It '-WhatIf writes nothing' {
        $folder = New-Folder
        $config = Join-Path $folder 'config.json'
        New-CcrConfig -Template CodingPlan -Path $config -ApiKey (ConvertTo-SecureString 'sk-sp-pester0123456789' -AsPlainText -Force) -WhatIf
        @(Get-ChildItem -Force $folder).Count | Should -Be 0
    }

    It 'merges the key into an existing .env without losing its other lines' {
        $folder = New-Folder
        Set-Content -Path (Join-Path $folder '.env') -Value "# mine`nOTHER=1`nQWEN_API_KEY=old" -NoNewline
        New-CcrConfig -Template CodingPlan -Path (Join-Path $folder 'config.json') -ApiKey (ConvertTo-SecureString 'sk-sp-new0123456789' -AsPlainText -Force) | Out-Null
        Get-Content -Raw (Join-Path $folder '.env') | Should -Be "# mine`nOTHER=1`nQWEN_API_KEY=sk-sp-new0123456789`n"
    }

    It 'warns what to set when it cannot ask for a key' {
        $config = Join-Path (New-Folder) 'config.json'
        $env:DEEPSEEK_API_KEY = $null
        New-CcrConfig -Template DeepSeek -Path $config -WarningVariable warnings -WarningAction SilentlyContinue | Out-Null
        ($warnings -join "`n") | Should -Match 'DEEPSEEK_API_KEY'
        Test-Path $config | Should -BeTrue
    }

    It 'refuses an unknown template, naming the known ones' {
        { New-CcrConfig -Template Nope -Path (Join-Path (New-Folder) 'c.json') -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnknownTemplate,Ccr.PowerShell.Commands.NewCcrConfigCommand' -ExpectedMessage '*CodingPlan*'
    }
}

Describe 'Set-CcrProvider' {
    It 'changes only the given members, keeping every other byte' {
        $config = New-Commented
        Set-CcrProvider -Name local -Model coder, coder-large -ConfigPath $config
        $expected = $script:commented.Replace('"models": ["coder"] // pulled already', '"models": ["coder", "coder-large"] // pulled already')
        Get-Content -Raw $config | Should -BeExactly $expected
    }

    It 'writes the key to .env only, as the variable the provider names' {
        $config = New-Commented
        Set-CcrProvider -Name qwen -ApiKey (ConvertTo-SecureString 'sk-sp-pester0123456789' -AsPlainText -Force) -ConfigPath $config
        Get-Content -Raw $config | Should -BeExactly $script:commented
        Get-Content -Raw (Join-Path (Split-Path $config) '.env') | Should -Be "QWEN_API_KEY=sk-sp-pester0123456789`n"
    }

    It 'adds a new provider and refuses one without a URL, leaving the file as it was' {
        $config = New-Commented
        Set-CcrProvider -Name gateway -ConfigPath $config -TierName x -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed[0].FullyQualifiedErrorId | Should -Be 'ProviderIncomplete,Ccr.PowerShell.Commands.SetCcrProviderCommand'
        Get-Content -Raw $config | Should -BeExactly $script:commented

        Set-CcrProvider -Name gateway -BaseUrl https://llm.example.com/v1 -Model coder -ConfigPath $config
        $text = Get-Content -Raw $config
        $text.StartsWith($script:commented.Substring(0, $script:commented.IndexOf('        }' + "`n" + '    ],'))) | Should -BeTrue
        $text | Should -Match '"name": "gateway"'
        $text | Should -Match '// the local one'
    }

    It '-WhatIf writes nothing' {
        $config = New-Commented
        Set-CcrProvider -Name local -TierName ccr-local -ConfigPath $config -WhatIf
        Get-Content -Raw $config | Should -BeExactly $script:commented
    }
}

Describe 'Remove-CcrProvider' {
    It 'is refused while a route, tier or preset uses the provider' {
        $config = New-Commented
        Remove-CcrProvider -Name qwen -ConfigPath $config -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed[0].FullyQualifiedErrorId | Should -Be 'ProviderInUse,Ccr.PowerShell.Commands.RemoveCcrProviderCommand'
        $failed[0].Exception.Message | Should -Match "preset 'coding_qwen'"
        Get-Content -Raw $config | Should -BeExactly $script:commented
    }

    It 'removes an unused provider and nothing else' {
        $config = New-Commented
        Remove-CcrProvider -Name local -ConfigPath $config -Confirm:$false
        $expected = $script:commented.Replace("        },`n        // the local one`n        {`n            `"name`": `"local`",`n            `"api_base_url`": `"http://127.0.0.1:11434/v1`",`n            `"models`": [`"coder`"] // pulled already`n        }`n", "        }`n        // the local one`n")
        Get-Content -Raw $config | Should -BeExactly $expected
    }

    It 'removes a used provider with -Force, warning about what is left' {
        $config = New-Commented
        Remove-CcrProvider -Name qwen -Force -ConfigPath $config -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        ($warnings -join ' ') | Should -Match 'Router.tiers'
        (Get-Content -Raw $config) | Should -Not -Match '"name": "qwen"'
    }
}

Describe 'Set-CcrTier and Remove-CcrTier' {
    It 'insert, move and remove tiers, keeping every comment and untouched byte' {
        $config = New-Commented
        Set-CcrTier -Route local,coder -Position 0 -ConfigPath $config
        Get-Content -Raw $config | Should -BeExactly $script:commented.Replace(
            "            `"qwen,qwen3-coder-plus`", // Tier 0`n",
            "            `"local,coder`",`n            `"qwen,qwen3-coder-plus`", // Tier 0`n")

        $tiers = @(Set-CcrTier -Route 'local,coder' -Position 2 -ConfigPath $config -PassThru)
        ($tiers | ForEach-Object { "$($_.Provider),$($_.Model)" }) | Should -Be @('qwen,qwen3-coder-plus', 'qwen,qwen3-max-2026-01-23', 'local,coder')

        Remove-CcrTier -Route 'local,coder' -ConfigPath $config -Confirm:$false
        Remove-CcrTier -Route 'qwen,qwen3-max-2026-01-23' -ConfigPath $config -Confirm:$false
        Get-Content -Raw $config | Should -BeExactly $script:commented.Replace(
            "            `"qwen,qwen3-coder-plus`", // Tier 0`n            `"qwen,qwen3-max-2026-01-23`" // Tier 1`n",
            "            `"qwen,qwen3-coder-plus`" // Tier 0`n")
    }

    It 'refuses a route to an unknown model and a tier that is not there, leaving the file' {
        $config = New-Commented
        Set-CcrTier -Route 'local,missing' -ConfigPath $config -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed[0].FullyQualifiedErrorId | Should -Be 'InvalidRoute,Ccr.PowerShell.Commands.SetCcrTierCommand'
        Remove-CcrTier -Route 'local,coder' -ConfigPath $config -ErrorAction SilentlyContinue -ErrorVariable missing
        $missing[0].FullyQualifiedErrorId | Should -Be 'TierNotFound,Ccr.PowerShell.Commands.RemoveCcrTierCommand'
        Get-Content -Raw $config | Should -BeExactly $script:commented
    }

    It 'completes tier routes and provider names' {
        $config = New-Commented
        $line = "Remove-CcrTier -ConfigPath '$config' -Route qwen"
        $completions = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completions.CompletionMatches.CompletionText | Should -Be @("'qwen,qwen3-coder-plus'", "'qwen,qwen3-max-2026-01-23'")
        $line = "Remove-CcrProvider -ConfigPath '$config' -Name lo"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('local')
        $line = 'New-CcrConfig -Template Co'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('CodingPlan')
    }
}
