# Keys never reach what PowerShell shows (objects, format views, verbose output, errors), and two
# sessions editing presets at once lose nothing.
BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    $script:key = 'sk-sp-leakcheck-7f3e9a1b2c4d'
    $script:root = Join-Path $TestDrive 'home'
    New-Item -ItemType Directory -Path $root | Out-Null
    $script:oldHome = $env:CCR_HOME
    $env:CCR_HOME = $root
    $script:config = Join-Path $TestDrive 'config.json'
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $script:port = $listener.LocalEndpoint.Port; $listener.Stop()
    Set-Content -Path $config -Value @"
{
  // A literal key on purpose: the worst case for leaks (Ccr warns about it).
  "Providers": [
    { "name": "qwen", "api_base_url": "http://127.0.0.1:9/v1", "api_key": "$key", "models": ["qwen3-coder-plus"], "tier_name": "ccr-qwen" }
  ],
  "Router": { "tiers": ["qwen,qwen3-coder-plus"] },
  "API_TIMEOUT_MS": 500,
  "PORT": $port
}
"@
    # A standard key on a Coding Plan endpoint: a warning (the tier is KeySuspect), which must not quote the key.
    $script:badConfig = Join-Path $TestDrive 'bad.json'
    Set-Content -Path $badConfig -Value '{ "Providers": [ { "name": "dash", "api_base_url": "https://coding-intl.dashscope.aliyuncs.com/v1", "api_key": "sk-standard-9e8d7c6b5a43", "models": ["qwen3-coder-plus"] } ], "Router": {} }'
}

AfterAll {
    Stop-CcrProxy -ErrorAction SilentlyContinue -Confirm:$false
    $env:CCR_HOME = $script:oldHome
}

Describe 'Secrets in what the cmdlets show' {
    It 'no cmdlet output, view, verbose line or error carries a key' {
        $shown = [Text.StringBuilder]::new()
        $null = $shown.AppendLine((Start-CcrProxy -ConfigPath $config -PassThru -Verbose 4>&1 3>&1 | Format-List * | Out-String))
        $null = $shown.AppendLine((Get-CcrProxy -ConfigPath $config | Format-List * | Out-String))
        $null = $shown.AppendLine((Get-CcrTier -ConfigPath $config 3>&1 | Format-Table | Out-String))
        $null = $shown.AppendLine((Get-CcrTier -ConfigPath $config 3>&1 | Format-List * | Out-String))
        $null = $shown.AppendLine((Test-CcrProvider -ConfigPath $config -Offline 3>&1 | Format-List * | Out-String))
        $null = $shown.AppendLine((Test-CcrProvider -ConfigPath $badConfig -Offline 3>&1 | Format-List * | Out-String))
        $suspect = @(Get-CcrTier -ConfigPath $badConfig 3>&1 | Where-Object { $_ -is [Management.Automation.WarningRecord] })
        $suspect | Should -Not -BeNullOrEmpty
        $null = $shown.AppendLine(($suspect | Format-List * -Force | Out-String))
        $null = $shown.AppendLine((Invoke-CcrMessage -ConfigPath $config -Model 'qwen,qwen3-coder-plus' -Message 'hi' -Force -ErrorAction SilentlyContinue -ErrorVariable failed -Verbose 4>&1 3>&1 | Out-String))
        $null = $shown.AppendLine(($failed | Format-List * -Force | Out-String))
        $null = $shown.AppendLine(($Error | Select-Object -First 20 | Format-List * -Force | Out-String))
        $text = $shown.ToString()

        $text | Should -Not -Match ([regex]::Escape($key))
        $text | Should -Not -Match 'sk-standard-9e8d7c6b5a43'
        $text | Should -Match 'sk-sp-…'      # the hint is what is shown instead
        Get-ChildItem -Path $root -Recurse -File | ForEach-Object {
            Get-Content -Raw -LiteralPath $_.FullName | Should -Not -Match ([regex]::Escape($key)) -Because $_.FullName
        }
    }
}

Describe 'Two sessions editing presets at once' {
    It 'loses no update' {
        $shared = Join-Path $TestDrive 'shared.json'
        Set-Content -Path $shared -Value '{ "Providers": [ { "name": "qwen", "api_base_url": "http://127.0.0.1:9/v1", "api_key": "${CCR_SHARED_TEST_KEY}", "models": ["m"] } ], "Router": {} }'
        $module = $env:CCR_TEST_MODULE
        $env:CCR_SHARED_TEST_KEY = "sk-shared-0123456789ab"
        $jobs = foreach ($who in 'a', 'b') {
            $command = "Import-Module '$module'; 1..12 | ForEach-Object { Set-CcrPreset -ConfigPath '$shared' -Name ('$who' + `$_) -Route 'qwen,m' -Confirm:`$false }"
            $psi = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
            if ([IO.Path]::GetFileNameWithoutExtension([Environment]::ProcessPath) -eq 'dotnet') {
                $psi.ArgumentList.Add([Reflection.Assembly]::GetEntryAssembly().Location)
            }
            foreach ($a in @('-NoProfile', '-NonInteractive', '-Command', $command)) { $psi.ArgumentList.Add($a) }
            $psi.UseShellExecute = $false
            $psi.RedirectStandardError = $true
            [Diagnostics.Process]::Start($psi)
        }
        foreach ($p in $jobs) {
            $p.WaitForExit(120000) | Should -BeTrue
            $p.StandardError.ReadToEnd() | Should -BeNullOrEmpty
        }

        $names = (Get-CcrPreset -ConfigPath $shared).Name | Sort-Object
        $names.Count | Should -Be 24
        foreach ($who in 'a', 'b') { foreach ($n in 1..12) { $names | Should -Contain "$who$n" } }
    }
}
