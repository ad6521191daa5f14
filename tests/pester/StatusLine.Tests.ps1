# Install-CcrStatusLine / Uninstall-CcrStatusLine on real settings files, and the installed command run by a real
# shell (bash -c, as Claude Code runs it on macOS and Linux) against a running proxy and against none.
BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    $script:oldHome = $env:CCR_HOME
    # NO_COLOR when installing means a line without colour always; these tests install with colour.
    $script:oldNoColor = $env:NO_COLOR
    $env:NO_COLOR = $null
    $env:CCR_HOME = Join-Path $TestDrive 'ccr-home'

    . (Join-Path $PSScriptRoot 'TestSupport.ps1')

    function script:Get-Bytes([string] $Path) { [Convert]::ToBase64String([IO.File]::ReadAllBytes($Path)) }

    # Runs the statusLine command the way Claude Code does: a shell with the status JSON on stdin.
    function script:Invoke-StatusLineCommand([string] $Command, [hashtable] $Environment = @{}) {
        $psi = [Diagnostics.ProcessStartInfo]::new('bash')
        $psi.ArgumentList.Add('-c'); $psi.ArgumentList.Add($Command)
        $psi.RedirectStandardInput = $true; $psi.RedirectStandardOutput = $true; $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        foreach ($name in 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_API_KEY', 'NO_COLOR') { $psi.Environment.Remove($name) | Out-Null }
        foreach ($entry in $Environment.GetEnumerator()) { $psi.Environment[$entry.Key] = $entry.Value }
        $p = [Diagnostics.Process]::Start($psi)
        $p.StandardInput.Write('{"session_id":"pester-never-seen","model":{"id":"claude-sonnet-4-5","display_name":"Sonnet"},"workspace":{"current_dir":"/w"},"cost":{"total_cost_usd":0}}')
        $p.StandardInput.Close()
        $out = $p.StandardOutput.ReadToEndAsync(); $err = $p.StandardError.ReadToEndAsync()
        if (-not $p.WaitForExit(15000)) { $p.Kill($true); throw "the status line command hung: $Command" }
        [pscustomobject]@{ ExitCode = $p.ExitCode; Out = $out.Result; Err = $err.Result }
    }

    $script:settingsText = "{`n  // mine`n  `"theme`": `"dark`",`n  `"env`": { `"FOO`": `"1`" },`n  `"permissions`": { `"allow`": [`"Bash(ls:*)`"] }`n}`n"
    $script:project = Join-Path $TestDrive 'project'
    $script:settings = Join-Path $project '.claude/settings.json'

    $script:port = Get-FreePort
    $script:cfg = Join-Path $TestDrive 'config.json'
    Set-Content -Path $cfg -Encoding utf8NoBOM -Value @"
{
    "PORT": $port,
    "APIKEY": "pester-local-key",
    "Providers": [
        { "name": "qwen", "api_base_url": "http://127.0.0.1:9/v1", "api_key": "sk-sp-0123456789abcdef",
          "models": ["qwen3-coder-plus"], "tier_name": "ccr-qwen", "quota": { "plan": "lite" } }
    ],
    "Router": { "default": "qwen,qwen3-coder-plus", "tiers": ["qwen,qwen3-coder-plus"] }
}
"@
    Start-CcrProxy -ConfigPath $cfg -Port $port | Out-Null
}

AfterAll {
    Get-CcrProxy -Port $script:port -ErrorAction SilentlyContinue | Stop-CcrProxy -Confirm:$false -ErrorAction SilentlyContinue
    $env:CCR_HOME = $script:oldHome
    $env:NO_COLOR = $script:oldNoColor
}

Describe 'Install-CcrStatusLine' {
    BeforeEach {
        New-Item -ItemType Directory -Path (Split-Path $settings) -Force | Out-Null
        [IO.File]::WriteAllText($settings, $settingsText)
        Remove-Item "$settings.bak" -ErrorAction SilentlyContinue
        Push-Location $project
    }

    AfterEach { Pop-Location }

    It 'adds the statusLine and keeps every other setting byte-for-byte' {
        $info = Install-CcrStatusLine -Port $port -Scope Project -PassThru -Confirm:$false

        $info.SettingsPath | Should -Be (Resolve-Path $settings).ProviderPath
        $info.Port | Should -Be $port
        $after = [IO.File]::ReadAllText($settings)
        $after.StartsWith($settingsText.Substring(0, $settingsText.LastIndexOf(']') + 3)) | Should -BeTrue
        $after | Should -Match '// mine'
        $json = $after | ConvertFrom-Json
        $json.theme | Should -Be 'dark'
        $json.env.FOO | Should -Be '1'
        $json.permissions.allow | Should -Be @('Bash(ls:*)')
        $json.statusLine.type | Should -Be 'command'
        $json.statusLine.command | Should -Be $info.Command
        $json.statusLine.padding | Should -Be 0
        $json.statusLine.command | Should -Not -Match 'pester-local-key'
        [IO.File]::ReadAllText("$settings.bak") | Should -Be $settingsText
    }

    It '-WhatIf changes nothing' {
        $before = Get-Bytes $settings
        Install-CcrStatusLine -Port $port -Scope Project -WhatIf
        Get-Bytes $settings | Should -Be $before
        "$settings.bak" | Should -Not -Exist
    }

    It 'creates the folder and file when the project has none' {
        $fresh = Join-Path $TestDrive 'fresh'
        New-Item -ItemType Directory -Path $fresh | Out-Null
        Push-Location $fresh
        try { Install-CcrStatusLine -Port $port -Scope Project -Confirm:$false } finally { Pop-Location }
        (Get-Content (Join-Path $fresh '.claude/settings.json') -Raw | ConvertFrom-Json).statusLine.command | Should -Match '/ccr/statusline'
    }

    It 'refuses a settings file that is not JSON with SettingsInvalid, leaving it alone' {
        [IO.File]::WriteAllText($settings, '{ "theme": "dark",, }')
        { Install-CcrStatusLine -Port $port -Scope Project -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'SettingsInvalid,Ccr.PowerShell.Commands.InstallCcrStatusLineCommand'
        [IO.File]::ReadAllText($settings) | Should -Be '{ "theme": "dark",, }'
    }
}

Describe 'The installed StatusLine command' -Skip:$IsWindows {
    BeforeAll {
        New-Item -ItemType Directory -Path (Split-Path $settings) -Force | Out-Null
        [IO.File]::WriteAllText($settings, $settingsText)
        Push-Location $project
        Install-CcrStatusLine -Port $port -Scope Project -Confirm:$false
        $script:command = (Get-Content $settings -Raw | ConvertFrom-Json).statusLine.command
        Pop-Location
    }

    It 'prints the default-route line from the running proxy, with the key from ANTHROPIC_AUTH_TOKEN' {
        $run = Invoke-StatusLineCommand $command @{ ANTHROPIC_AUTH_TOKEN = 'pester-local-key' }
        $run.ExitCode | Should -Be 0
        $run.Out | Should -Match "`e\["
        ($run.Out -replace "`e\[[0-9;]*m", '') | Should -Be 'qwen,qwen3-coder-plus · ccr-qwen · default route · 5h 0/1.2k · wk 0/9k · mo 0/18k'
    }

    It 'prints it without colour under NO_COLOR' {
        $run = Invoke-StatusLineCommand $command @{ ANTHROPIC_AUTH_TOKEN = 'pester-local-key'; NO_COLOR = '1' }
        $run.ExitCode | Should -Be 0
        $run.Out | Should -Be 'qwen,qwen3-coder-plus · ccr-qwen · default route · 5h 0/1.2k · wk 0/9k · mo 0/18k'
    }

    It 'is refused without the key, since the config has APIKEY' {
        $run = Invoke-StatusLineCommand $command
        $run.Out | Should -Match 'authentication_error'
    }

    It 'prints the notice and exits 0 when the proxy is down' {
        $down = (Get-Content $settings -Raw | ConvertFrom-Json).statusLine.command -replace ":$port/", ":$(Get-FreePort)/"
        $run = Invoke-StatusLineCommand $down
        $run.ExitCode | Should -Be 0
        $run.Out.Trim() | Should -Be 'ccr: proxy not running'
    }
}

Describe 'Uninstall-CcrStatusLine' {
    BeforeEach {
        New-Item -ItemType Directory -Path (Split-Path $settings) -Force | Out-Null
        [IO.File]::WriteAllText($settings, $settingsText)
        Push-Location $project
    }

    AfterEach { Pop-Location }

    It 'takes Ccr''s statusLine out, restoring the original bytes' {
        Install-CcrStatusLine -Port $port -Scope Project -Confirm:$false
        Uninstall-CcrStatusLine -Scope Project -Confirm:$false
        [IO.File]::ReadAllText($settings) | Should -Be $settingsText
    }

    It '-WhatIf keeps it' {
        Install-CcrStatusLine -Port $port -Scope Project -Confirm:$false
        $before = Get-Bytes $settings
        Uninstall-CcrStatusLine -Scope Project -WhatIf
        Get-Bytes $settings | Should -Be $before
    }

    It 'keeps someone else''s status line and warns' {
        $theirs = '{ "statusLine": { "type": "command", "command": "~/.claude/statusline.sh" } }'
        [IO.File]::WriteAllText($settings, $theirs)
        Uninstall-CcrStatusLine -Scope Project -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        [IO.File]::ReadAllText($settings) | Should -Be $theirs
        "$warned" | Should -Match 'not Ccr'
    }
}
