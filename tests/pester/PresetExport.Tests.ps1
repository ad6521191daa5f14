# Export-CcrPreset / Import-CcrPreset: no key ever leaves a config, the target keeps its comments, a clash is
# refused with the file unchanged, and an imported preset routes the same way as in the config it came from.
BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    . (Join-Path $PSScriptRoot 'TestSupport.ps1')
    $script:oldHome = $env:CCR_HOME
    $script:root = Join-Path ([IO.Path]::GetTempPath()) ('ccr-presets-' + [guid]::NewGuid().ToString('N').Substring(0, 10))
    New-Item -ItemType Directory -Path $root -Force | Out-Null
    $env:CCR_HOME = $root
    $script:literalKey = 'sk-literal-0123456789abcdef'
    $script:envKey = 'sk-fromenv-9876543210fedcba'
    $env:CCR_PRESET_TEST_KEY = $envKey
    Remove-Item Env:FAKE_GW_API_KEY, Env:LOCALFAKE_API_KEY -ErrorAction Ignore

    $upstream = Start-FakeUpstream
    $script:fake = $upstream.Process
    $script:fakeBase = $upstream.BaseUrl

    function script:New-Folder {
        $folder = Join-Path $root ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $folder | Out-Null
        $folder
    }
    function script:Get-Hash([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash }

    # The source: one provider with a literal key and a secret header, one whose key comes from the environment.
    function script:New-Source {
        $path = Join-Path (New-Folder) 'source.json'
        Set-Content -LiteralPath $path -Encoding utf8NoBOM -Value @"
{
    "APIKEY": "local-password-0123456789",
    "Providers": [
        {
            "name": "fake-gw",
            "api_base_url": "$fakeBase/v1",
            "status_url": "$fakeBase/status?key=$literalKey",
            "api_key": "$literalKey",
            "headers": { "x-api-key": "$literalKey", "HTTP-Referer": "https://example.test" },
            "models": ["coder", "writer"]
        },
        { "name": "localfake", "api_base_url": "$fakeBase/v1", "api_key": "`${CCR_PRESET_TEST_KEY}", "models": ["small"] }
    ],
    "Router": { "default": "localfake,small" },
    "Presets": {
        "team_coder": { "route": "fake-gw,coder", "temperature": 0.3, "system": "Key reminder: $literalKey" },
        "team_small": { "route": "localfake,small", "max_tokens": 300 }
    }
}
"@
        $path
    }

    $script:targetText = @'
// Target config: every comment and byte here must survive an import.
{
    /* the one provider this machine has */
    "Providers": [
        {
            "name": "other", // keep me
            "api_base_url": "http://127.0.0.1:9/v1",
            "models": ["m"]
        }
    ],
    "Router": { "default": "other,m" }, // trailing comment
    "Presets": {
        "mine": { "route": "other,m" } // warm
    }
}
'@ -replace "`r`n", "`n"
    function script:New-Target([string] $Text = $script:targetText) {
        $path = Join-Path (New-Folder) 'config.json'
        [IO.File]::WriteAllText($path, $Text)
        $path
    }
}

AfterAll {
    Get-CcrProxy -ErrorAction SilentlyContinue | Where-Object InThisSession | ForEach-Object { Stop-CcrProxy -Port $_.Port -Confirm:$false }
    if ($script:fake -and -not $fake.HasExited) { $fake.StandardInput.Close(); $null = $fake.WaitForExit(5000) }
    $env:CCR_HOME = $script:oldHome
    Remove-Item Env:CCR_PRESET_TEST_KEY, Env:FAKE_GW_API_KEY, Env:LOCALFAKE_API_KEY -ErrorAction Ignore
    Remove-Item -Recurse -Force $root -ErrorAction SilentlyContinue
}

Describe 'Preset transfer: Export-CcrPreset' {
    BeforeAll {
        $script:source = New-Source
        $script:exportPath = Join-Path (New-Folder) 'team.json'
        $script:info = Get-CcrPreset 'team_*' -ConfigPath $source | Export-CcrPreset -Path $exportPath -PassThru
        $script:exportText = Get-Content -Raw -LiteralPath $exportPath
        $script:export = $exportText | ConvertFrom-Json -AsHashtable
    }

    It 'writes no key: neither the literal one nor the one a ${VAR} resolves to, nor the APIKEY' {
        $exportText | Should -Not -Match ([regex]::Escape($literalKey))
        $exportText | Should -Not -Match ([regex]::Escape($envKey))
        $exportText | Should -Not -Match 'local-password'
    }

    It 'turns every key into a placeholder named after its provider' {
        $providers = @($export.Providers)
        $providers.Count | Should -Be 2
        ($providers | Where-Object name -eq 'fake-gw').api_key | Should -Be '${FAKE_GW_API_KEY}'
        ($providers | Where-Object name -eq 'localfake').api_key | Should -Be '${LOCALFAKE_API_KEY}'
        ($providers | Where-Object name -eq 'fake-gw').headers.'x-api-key' | Should -Be '${FAKE_GW_X_API_KEY}'
        ($providers | Where-Object name -eq 'fake-gw').headers.'HTTP-Referer' | Should -Be 'https://example.test'
        ($providers | Where-Object name -eq 'fake-gw').status_url | Should -Be "$fakeBase/status?key=`${FAKE_GW_API_KEY}"
        $export.Presets.team_coder.system | Should -Be 'Key reminder: ${FAKE_GW_API_KEY}'
    }

    It 'names itself and lists the variables to set' {
        $export.CcrPresetExport | Should -Be 1
        @($export.Presets.Keys | Sort-Object) | Should -Be @('team_coder', 'team_small')
        $export.Presets.team_coder.temperature | Should -Be 0.3
        $info.Variables | Should -Contain 'FAKE_GW_API_KEY'
        $info.Variables | Should -Contain 'LOCALFAKE_API_KEY'
        $export.Variables.Keys | Should -Contain 'FAKE_GW_API_KEY'
    }

    It 'takes wildcards, and its -PassThru pipes into Import-CcrPreset' {
        $wild = Join-Path (New-Folder) 'wild.json'
        $target = New-Target
        Export-CcrPreset -Name 'TEAM_*' -Path $wild -ConfigPath $source -PassThru |
            Import-CcrPreset -ConfigPath $target -Confirm:$false -WarningAction SilentlyContinue
        @((Get-Content -Raw $wild | ConvertFrom-Json -AsHashtable).Presets.Keys | Sort-Object) | Should -Be @('team_coder', 'team_small')
        @(Get-CcrPreset -ConfigPath $target).Name | Should -Contain 'team_coder'
    }

    It 'exports only the providers the presets route to' {
        $one = Join-Path (New-Folder) 'one.json'
        Export-CcrPreset -Name team_small -Path $one -ConfigPath $source
        $parsed = Get-Content -Raw $one | ConvertFrom-Json
        @($parsed.Providers).name | Should -Be @('localfake')
    }

    It 'refuses an unknown preset with PresetNotFound and writes nothing' {
        $none = Join-Path (New-Folder) 'none.json'
        { Export-CcrPreset -Name nope -Path $none -ConfigPath $source -ErrorAction Stop } |
            Should -Throw -ErrorId 'PresetNotFound,Ccr.PowerShell.Commands.ExportCcrPresetCommand'
        Test-Path $none | Should -BeFalse
    }

    It '-NoClobber keeps an existing file' {
        $before = Get-Hash $exportPath
        { Export-CcrPreset -Name team_small -Path $exportPath -ConfigPath $source -NoClobber -ErrorAction Stop } |
            Should -Throw -ErrorId 'ExportFileExists,Ccr.PowerShell.Commands.ExportCcrPresetCommand'
        Get-Hash $exportPath | Should -Be $before
    }
}

Describe 'Preset transfer: Import-CcrPreset' {
    BeforeAll {
        $script:source = New-Source
        $script:exportPath = Join-Path (New-Folder) 'team.json'
        Export-CcrPreset -Name team_coder, team_small -Path $exportPath -ConfigPath $source
    }

    It 'merges presets and missing providers, keeping every comment and untouched line of the target' {
        $target = New-Target
        $warnings = $null
        $result = @(Import-CcrPreset -Path $exportPath -ConfigPath $target -PassThru -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue)
        $text = Get-Content -Raw $target
        # Every line of the target is still there, comments included; only a comma may be added where a member now follows.
        foreach ($line in ($targetText -split "`n" | Where-Object { $_.Trim() })) {
            $text | Should -Match ([regex]::Escape($line.TrimEnd()).Replace('\ //', ',?\ //'))
        }
        $text | Should -Match '"team_coder"'
        $text | Should -Match '"api_key": "\$\{FAKE_GW_API_KEY\}"'
        $result.Count | Should -Be 2
        ($result | Where-Object Name -eq 'team_coder').Provider | Should -Be 'Added'
        ($result | Where-Object Name -eq 'team_coder').KeyVariable | Should -Be 'FAKE_GW_API_KEY'
        # One warning per added provider, naming the variable to set and where.
        ($warnings -join "`n") | Should -Match 'FAKE_GW_API_KEY'
        ($warnings -join "`n") | Should -Match 'LOCALFAKE_API_KEY'
        ($warnings -join "`n") | Should -Match 'FAKE_GW_X_API_KEY'
        ($warnings -join "`n") | Should -Match ([regex]::Escape('$env:FAKE_GW_API_KEY'))
        @(Get-CcrPreset -ConfigPath $target).Name | Should -Contain 'team_small'
    }

    It 'refuses a preset name clash with PresetExists and leaves the file byte for byte as it was' {
        $target = New-Target ($targetText -replace '"mine"', '"team_small"')
        $before = Get-Hash $target
        { Import-CcrPreset -Path $exportPath -ConfigPath $target -Confirm:$false -ErrorAction Stop -WarningAction SilentlyContinue } |
            Should -Throw -ErrorId 'PresetExists,Ccr.PowerShell.Commands.ImportCcrPresetCommand'
        Get-Hash $target | Should -Be $before
    }

    It '-Force replaces the clashing preset' {
        $target = New-Target ($targetText -replace '"mine"', '"team_small"')
        $result = @(Import-CcrPreset -Path $exportPath -ConfigPath $target -Force -PassThru -Confirm:$false -WarningAction SilentlyContinue)
        ($result | Where-Object Name -eq 'team_small').Replaced | Should -BeTrue
        (Get-CcrPreset team_small -ConfigPath $target).Route | Should -Be 'localfake,small'
        Get-Content -Raw $target | Should -Match '// warm'
    }

    It '-WhatIf writes nothing' {
        $target = New-Target
        $before = Get-Hash $target
        Import-CcrPreset -Path $exportPath -ConfigPath $target -WhatIf -WarningAction SilentlyContinue
        Get-Hash $target | Should -Be $before
    }

    It 'keeps the target''s own provider of the same name and warns when its URL differs' {
        $target = New-Target ($targetText -replace '"name": "other", // keep me', '"name": "localfake", // keep me' -replace '"models": \["m"\]', '"models": ["m", "small"]' -replace 'other,m', 'localfake,m')
        $warnings = $null
        Import-CcrPreset -Path $exportPath -ConfigPath $target -Name team_small -Confirm:$false -WarningVariable warnings -WarningAction SilentlyContinue
        $text = Get-Content -Raw $target
        $text | Should -Match 'http://127\.0\.0\.1:9/v1'
        $text | Should -Not -Match 'LOCALFAKE_API_KEY'
        ($warnings -join "`n") | Should -Match "Kept this config's own provider 'localfake'"
    }

    It 'refuses what is not an export, naming the file' {
        $target = New-Target
        $before = Get-Hash $target
        { Import-CcrPreset -Path $target -ConfigPath $target -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidPresetExport,Ccr.PowerShell.Commands.ImportCcrPresetCommand'
        Get-Hash $target | Should -Be $before
    }
}

Describe 'Preset transfer: export then import routes the same way' {
    It 'a proxy on the target sends /preset/<name> to the same provider and model as the source' {
        $source = New-Source
        $port = Get-FreePort
        $exportPath = Join-Path (New-Folder) 'coder.json'
        Export-CcrPreset -Name team_coder -Path $exportPath -ConfigPath $source
        $target = New-Target ($targetText -replace '\{\n    /\*', ("{`n    `"PORT`": $port,`n    /*"))
        Import-CcrPreset -Path $exportPath -ConfigPath $target -Confirm:$false -WarningAction SilentlyContinue
        $env:FAKE_GW_API_KEY = 'sk-target-own-key-000000'
        try {
            Start-CcrProxy -ConfigPath $target -Port $port
            $body = '{"max_tokens":20,"messages":[{"role":"user","content":"Hello"}]}'
            $response = Invoke-WebRequest -Method Post -Uri "http://127.0.0.1:$port/preset/team_coder/v1/messages" -ContentType 'application/json' -Body $body
            "$($response.Headers['x-ccr-route'])" | Should -Be 'fake-gw,coder'
            ($response.Content | ConvertFrom-Json).content[0].text | Should -Be 'Hello from fake upstream'
        }
        finally {
            Stop-CcrProxy -Port $port -Confirm:$false -ErrorAction SilentlyContinue | Out-Null
            Remove-Item Env:FAKE_GW_API_KEY -ErrorAction Ignore
        }
    }
}
