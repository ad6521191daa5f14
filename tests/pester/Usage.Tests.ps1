# Get-CcrUsage against this session's proxy, a detached proxy on the config's port, and the store file when no
# proxy runs; -By Day, -Quota, and a round trip through Export-Csv / Import-Csv.
BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    $script:oldHome = $env:CCR_HOME
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ("ccr-usage-" + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    # The usage store and every other state file of this run stay here.
    $env:CCR_HOME = $root
    $script:oldKey = $env:CCR_USAGE_TEST_KEY
    $env:CCR_USAGE_TEST_KEY = 'sk-paid-0123456789abcdef'

    . (Join-Path $PSScriptRoot 'TestSupport.ps1')

    function script:Send-Message([int] $Port) {
        $body = '{"model":"paid,qwen3-coder-plus","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}'
        Invoke-RestMethod -Method Post -Uri "http://127.0.0.1:$Port/v1/messages" -ContentType 'application/json' -Body $body | Out-Null
    }

    $upstream = Start-FakeUpstream
    $script:fake = $upstream.Process
    $script:fakeBase = $upstream.BaseUrl

    $script:port = Get-FreePort
    $script:cfg = Join-Path $root 'config.json'
    # The fake answers every request with 10 input and 5 output tokens; at 1000 USD per million input and
    # 2000 per million output tokens, one request costs 0.02 USD.
    Set-Content -Path $cfg -Encoding utf8NoBOM -Value @"
{
    "PORT": $port,
    "Providers": [
        {
            "name": "paid",
            "api_base_url": "$fakeBase/v1",
            "api_key": "`${CCR_USAGE_TEST_KEY}",
            "models": ["qwen3-coder-plus"],
            "tier_name": "ccr-paid",
            "pricing": { "input_per_million_tokens": 1000, "output_per_million_tokens": 2000 },
            "quota": { "five_hour": 100 }
        }
    ],
    "Router": { "default": "paid,qwen3-coder-plus" }
}
"@
}

AfterAll {
    Get-CcrProxy -Port $port -ErrorAction SilentlyContinue | Stop-CcrProxy -Confirm:$false -ErrorAction SilentlyContinue
    if ($script:fake) { $fake.StandardInput.Close(); if (-not $fake.WaitForExit(5000)) { $fake.Kill($true) } }
    $env:CCR_HOME = $oldHome
    $env:CCR_USAGE_TEST_KEY = $oldKey
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}

Describe 'Get-CcrUsage' {
    It 'shows what this session''s proxy counted, with tokens and cost' {
        Start-CcrProxy -ConfigPath $cfg | Out-Null
        Send-Message $port
        Send-Message $port

        $row = Get-CcrUsage -ConfigPath $cfg
        @($row).Count | Should -Be 1
        $row.Provider | Should -Be 'paid'
        $row.Model | Should -Be 'qwen3-coder-plus'
        $row.TierName | Should -Be 'ccr-paid'
        $row.Requests | Should -Be 2
        $row.InputTokens | Should -Be 20
        $row.OutputTokens | Should -Be 10
        $row.CostUsd | Should -Be 0.04
        $row.Source | Should -Be 'this session'

        Stop-CcrProxy -Port $port -Confirm:$false | Out-Null
    }

    It 'asks a proxy running in another process on the config''s port' {
        $starter = Invoke-ChildPwsh "Import-Module '$env:CCR_TEST_MODULE'; (Start-CcrProxy -Detached -ConfigPath '$cfg' -PassThru).ProcessId"
        $starter.ExitCode | Should -Be 0 -Because $starter.Err
        Send-Message $port

        $row = Get-CcrUsage -ConfigPath $cfg
        $row.Source | Should -Be "http://127.0.0.1:$port"
        $row.Requests | Should -Be 3

        $window = Get-CcrUsage -ConfigPath $cfg -Quota | Where-Object Window -eq 'FiveHour'
        $window.Used | Should -Be 3
        $window.Limit | Should -Be 100
        $window.ResetsAt | Should -BeGreaterThan ([DateTimeOffset]::UtcNow)

        Stop-CcrProxy -Port $port -Confirm:$false | Out-Null
    }

    It 'reads the store file when no proxy runs' {
        Get-CcrProxy -Port $port -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $row = Get-CcrUsage -ConfigPath $cfg
        $row.Source | Should -Be (Join-Path $root 'state' 'usage.json')
        $row.Requests | Should -Be 3
        $row.InputTokens | Should -Be 30
    }

    It '-By Day cuts rows at UTC midnight' {
        $rows = @(Get-CcrUsage -ConfigPath $cfg -By Day -Since ([DateTime]::UtcNow.AddDays(-3)))
        $rows.Count | Should -BeGreaterOrEqual 1
        ($rows | Measure-Object Requests -Sum).Sum | Should -Be 3
        foreach ($r in $rows) {
            $r.From.UtcDateTime.TimeOfDay | Should -Be ([TimeSpan]::Zero)
            ($r.To - $r.From) | Should -Be ([TimeSpan]::FromDays(1))
        }
    }

    It 'round-trips through Export-Csv with flat columns' {
        $csv = Join-Path $root 'usage.csv'
        Get-CcrUsage -ConfigPath $cfg | Export-Csv -Path $csv -NoTypeInformation
        $back = @(Import-Csv -Path $csv)
        $back.Count | Should -Be 1
        $back[0].Provider | Should -Be 'paid'
        [long] $back[0].Requests | Should -Be 3
        [long] $back[0].OutputTokens | Should -Be 15
        [double]::Parse($back[0].CostUsd, [cultureinfo]::InvariantCulture) | Should -Be 0.06
        $back[0].PSObject.Properties.Name | Should -Contain 'CacheWriteTokens'
    }

    It 'refuses a span that ends before it starts' {
        { Get-CcrUsage -ConfigPath $cfg -Since (Get-Date) -Until (Get-Date).AddDays(-1) -ErrorAction Stop } |
            Should -Throw -ErrorId 'UsageSpanInvalid,Ccr.PowerShell.Commands.GetCcrUsageCommand'
    }
}
