# Watch-CcrProxy in a real terminal: a pwsh inside tmux (160x45) watches a proxy this process serves, sees the counts
# change as traffic arrives, leaves on `q`, and has its prompt back. tmux stands in for Windows Terminal, conhost and
# macOS Terminal, which have no scriptable equivalent here; the rendering at each size is covered by DashboardViewTests.
BeforeDiscovery {
    $script:hasTmux = [bool](Get-Command tmux -CommandType Application -ErrorAction SilentlyContinue)
    # CI installs tmux (.ci/run) and must never skip this; a developer machine without it skips with the reason.
    $script:skipReason = if (-not $hasTmux -and -not $env:CI) { ' (skipped: tmux is not installed; apt-get install tmux, brew install tmux)' } else { '' }
}

BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    if (-not (Get-Command tmux -CommandType Application -ErrorAction SilentlyContinue) -and $env:CI) {
        throw 'tmux is not installed, and CI must run the Watch-CcrProxy terminal test: .ci/run installs it (apt-get install -y tmux).'
    }

    $script:oldHome = $env:CCR_HOME
    $env:CCR_HOME = Join-Path $TestDrive 'ccr-home'
    $script:upstream = Start-FakeUpstream
    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $script:port = $listener.LocalEndpoint.Port; $listener.Stop()
    $script:cfg = Join-Path $TestDrive 'config.json'
    Set-Content -Path $cfg -Encoding utf8NoBOM -Value @"
{
    "PORT": $port,
    "APIKEY": "pester-dash-key",
    "LOG": false,
    "Providers": [
        { "name": "fast", "api_base_url": "$($upstream.BaseUrl)/v1", "api_key": "sk-fast-0123456789", "models": ["fast-model"], "tier_name": "ccr-fast" },
        { "name": "spare", "api_base_url": "$($upstream.BaseUrl)/v1", "api_key": "`${PESTER_DASH_UNSET_KEY}", "models": ["spare-model"], "tier_name": "ccr-spare" }
    ],
    "Router": { "default": "fast,fast-model", "tiers": ["fast,fast-model", "spare,spare-model"] }
}
"@
    Start-CcrProxy -ConfigPath $cfg -Port $port | Out-Null

    # A tmux server of its own (-L), started from this process so it inherits CCR_HOME; killed in AfterAll.
    $script:socket = 'ccr-dash-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $script:repoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path

    function script:Invoke-Tmux([string[]] $Arguments) {
        $output = & tmux -L $script:socket @Arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "tmux $($Arguments -join ' ') failed: $output" }
        $output
    }

    function script:Get-Pane { (Invoke-Tmux @('capture-pane', '-p', '-t', 'watch')) -join "`n" }

    # Waits for what the terminal shows, not for a time: polls the pane until $Condition holds, within a generous bound.
    function script:Wait-Pane([scriptblock] $Condition, [string] $What) {
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        do {
            $pane = Get-Pane
            if (& $Condition $pane) { return $pane }
            Start-Sleep -Milliseconds 100
        } while ([DateTime]::UtcNow -lt $deadline)
        throw "The terminal never showed $What. It shows:`n$pane"
    }

    # Keys typed while a command still runs reach the tty before PSReadLine reads them: they echo, show at the next prompt,
    # and their Enter may not run the line. So a command is typed only once the last line shows a bare prompt again.
    function script:Wait-Prompt([string] $What) {
        Wait-Pane { param($p) (@($p -split "`n" | Where-Object { $_.Trim() })[-1]) -match '^PS [^>]*>\s*$' } $What
    }

    function script:Send-Message {
        $body = '{"model":"claude-sonnet-4-5","max_tokens":5,"messages":[{"role":"user","content":"Hi"}]}'
        Invoke-RestMethod -Method Post -Uri "http://127.0.0.1:$port/v1/messages" -Body $body -ContentType 'application/json' -Headers @{ 'x-api-key' = 'pester-dash-key' } | Out-Null
    }
}

AfterAll {
    if ($script:socket -and (Get-Command tmux -CommandType Application -ErrorAction SilentlyContinue)) { & tmux -L $script:socket kill-server 2>$null }
    Get-CcrProxy -Port $script:port -ErrorAction SilentlyContinue | Stop-CcrProxy -Confirm:$false -ErrorAction SilentlyContinue
    if ($script:upstream) { $script:upstream.Process.StandardInput.Close(); $script:upstream.Process.WaitForExit(5000) | Out-Null }
    $env:CCR_HOME = $script:oldHome
}

Describe 'Watch-CcrProxy in a real terminal' {
    It "draws the proxy, follows its traffic, and gives the prompt back on q$skipReason" -Skip:(-not $hasTmux -and -not $env:CI) {
        Invoke-Tmux @('new-session', '-d', '-s', 'watch', '-x', '160', '-y', '45', '-c', $repoRoot, 'dotnet pwsh -NoProfile -NoLogo') | Out-Null
        Wait-Prompt 'the pwsh prompt' | Out-Null

        $module = Join-Path $env:CCR_TEST_MODULE 'Ccr.psd1'
        Invoke-Tmux @('send-keys', '-t', 'watch', "Import-Module '$module'; Watch-CcrProxy -Port $port -ConfigPath '$cfg' -RefreshSeconds 0.25", 'Enter') | Out-Null

        $pane = Wait-Pane { param($p) $p -match 'fast-model.*Ready\s+0\s+0' -and $p -match 'Recent routing decisions' } 'the dashboard with fast-model Ready and no requests'
        $pane | Should -Match 'spare-model.*KeyMissing'
        $pane | Should -Match 'Traffic'

        1..3 | ForEach-Object { Send-Message }
        $pane = Wait-Pane { param($p) $p -match 'fast-model.*Ready\s+3\s+0' -and $p -match '5m 3\b' } 'three requests on fast-model'
        $pane | Should -Match '\bdefault\s+ccr-fast\s+fast-model\s+ok\s+200'

        Invoke-Tmux @('send-keys', '-t', 'watch', 'q') | Out-Null
        Wait-Pane { param($p) $p -notmatch 'Recent routing decisions' -and $p -match 'Watch-CcrProxy -Port' } 'the shell again after q' | Out-Null
        Wait-Prompt 'the prompt after q' | Out-Null

        # The prompt works: a command typed now runs.
        Invoke-Tmux @('send-keys', '-t', 'watch', "'watch' + 'ended'", 'Enter') | Out-Null
        Wait-Pane { param($p) $p -match '(?m)^watchended\s*$' } 'the output of a command typed after leaving' | Out-Null
    }

    It "fits 80x24 and draws without colour under NO_COLOR$skipReason" -Skip:(-not $hasTmux -and -not $env:CI) {
        Invoke-Tmux @('resize-window', '-t', 'watch', '-x', '80', '-y', '24') | Out-Null
        Invoke-Tmux @('send-keys', '-t', 'watch', 'clear', 'Enter') | Out-Null
        Wait-Pane { param($p) @($p -split "`n" | Where-Object { $_.Trim() }).Count -eq 1 -and $p -match 'PS [^>]*>\s*$' } 'a cleared screen with the prompt' | Out-Null
        Invoke-Tmux @('send-keys', '-t', 'watch', "`$env:NO_COLOR = 1; Watch-CcrProxy -Port $port -ConfigPath '$cfg' -RefreshSeconds 0.25", 'Enter') | Out-Null

        $pane = Wait-Pane { param($p) $p -match 'fast-model.*Ready\s+3\s+0' -and $p -match 'spare-model.*KeyMissing' } 'the dashboard at 80x24'
        $lines = $pane -split "`n"
        $lines.Count | Should -BeLessOrEqual 24
        $lines | Where-Object { $_.Length -gt 80 } | Should -BeNullOrEmpty
        $pane | Should -Match 'Traffic'

        # Colour would be SGR 30-37/90-97 or 38;5;n; NO_COLOR leaves only bold and resets.
        $styled = (Invoke-Tmux @('capture-pane', '-p', '-e', '-t', 'watch')) -join "`n"
        $styled | Should -Not -Match "`e\[(?:[0-9;]*;)?(?:3[0-7]|9[0-7]|38;5;\d+)m"

        Invoke-Tmux @('send-keys', '-t', 'watch', 'q') | Out-Null
        Wait-Pane { param($p) $p -notmatch 'Traffic' } 'the shell again after q' | Out-Null
        Wait-Prompt 'the prompt after q' | Out-Null
    }
}
