@{
    RootModule           = 'Ccr.PowerShell.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '5f0c3a8e-2d4b-4c61-9f2e-7b1d8a6c4e10'
    Author               = 'Ccr contributors'
    CompanyName          = 'Ccr contributors'
    Copyright            = '(c) Ccr contributors. MIT License.'
    Description          = 'A Claude Code Router inside PowerShell: a local Anthropic Messages API proxy that routes Claude Code to Qwen Coding Plan, GLM, MiniMax, DeepSeek or OpenRouter, translates formats, falls back across tiers, applies presets and keeps within quotas.'
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('Ccr.format.ps1xml')
    CmdletsToExport      = @(
        'Get-CcrTier'
        'Get-CcrPreset'
        'Set-CcrPreset'
        'Remove-CcrPreset'
        'Start-CcrProxy'
        'Stop-CcrProxy'
        'Get-CcrProxy'
        'Test-CcrProvider'
        'Invoke-CcrMessage'
        'Get-CcrUsage'
        'Install-CcrStatusLine'
        'Uninstall-CcrStatusLine'
        'New-CcrConfig'
        'Set-CcrProvider'
        'Remove-CcrProvider'
        'Set-CcrTier'
        'Remove-CcrTier'
        'Export-CcrPreset'
        'Import-CcrPreset'
        'Start-CcrClaude'
        'Watch-CcrProxy'
        'Register-CcrRouter'
        'Unregister-CcrRouter'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Claude', 'ClaudeCode', 'Router', 'Proxy', 'LLM', 'Qwen', 'Anthropic', 'OpenAI', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri = 'https://github.com/ccr-project/ccr'
            LicenseUri = 'https://github.com/ccr-project/ccr/blob/main/LICENSE'
        }
    }
}
