# The module's contract: what it exports and how every cmdlet is shaped. The per-cmdlet tests are
# generated from the exported cmdlets plus the manifest's list, so they bite as soon as cmdlets land.
BeforeDiscovery {
    Import-Module $env:CCR_TEST_MODULE -Force
    $manifest = Import-PowerShellDataFile (Join-Path $env:CCR_TEST_MODULE 'Ccr.psd1')
    $names = @(@((Get-Command -Module Ccr -CommandType Cmdlet).Name) + @($manifest.CmdletsToExport) |
            Where-Object { $_ } | Sort-Object -Unique)
    $script:cmdletCases = foreach ($name in $names) { @{ Name = $name } }
    $stateChangingVerbs = @('Start', 'Stop', 'Set', 'Remove', 'New', 'Clear', 'Reset', 'Restart', 'Install', 'Uninstall', 'Import', 'Register', 'Unregister')
    # Only the cmdlets whose verb changes state get the ShouldProcess test, so no case is generated just to be skipped.
    $script:stateChangerCases = @($cmdletCases | Where-Object { $_.Name.Split('-')[0] -in $stateChangingVerbs })
}

BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
    $script:manifest = Import-PowerShellDataFile (Join-Path $env:CCR_TEST_MODULE 'Ccr.psd1')
}

Describe 'Ccr module' {
    It 'exports exactly the cmdlets the manifest names' {
        $exported = @((Get-Command -Module Ccr).Name | Sort-Object)
        $declared = @($manifest.CmdletsToExport | Sort-Object)
        ($exported -join ',') | Should -BeExactly ($declared -join ',')
    }

    It 'exports no functions, aliases or variables' {
        @($manifest.FunctionsToExport).Count | Should -Be 0
        @($manifest.AliasesToExport).Count | Should -Be 0
        @(Get-Command -Module Ccr -CommandType Function, Alias).Count | Should -Be 0
    }

    It 'declares PowerShell 7.4 Core' {
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Contain 'Core'
    }

    It 'ships its about topic and format file' {
        Join-Path $env:CCR_TEST_MODULE 'en-US/about_Ccr.help.txt' | Should -Exist
        foreach ($format in $manifest.FormatsToProcess) { Join-Path $env:CCR_TEST_MODULE $format | Should -Exist }
    }
}

Describe 'Cmdlet <Name>' -ForEach $cmdletCases {
    BeforeAll {
        $script:command = Get-Command -Module Ccr -Name $Name -CommandType Cmdlet -ErrorAction SilentlyContinue
        $script:verb, $script:noun = $Name -split '-', 2
    }

    It 'is exported by the module' {
        $command | Should -Not -BeNullOrEmpty -Because "the manifest lists $Name"
    }

    It 'uses an approved verb' {
        (Get-Verb).Verb | Should -Contain $verb
    }

    It 'has a singular, Ccr-prefixed noun' {
        $noun | Should -BeLike 'Ccr*'
        # Plural nouns end in s; nouns that end in ss, us or is (Status, Analysis) are singular.
        $noun | Should -Not -Match '(?<![su])s$' -Because 'PowerShell nouns are singular'
    }

    It 'declares [OutputType]' {
        $command | Should -Not -BeNullOrEmpty
        @($command.OutputType | Where-Object { $_ }).Count | Should -BeGreaterThan 0
    }
}

Describe 'State-changing cmdlet <Name>' -ForEach $stateChangerCases {
    It 'supports ShouldProcess (-WhatIf and -Confirm)' {
        $command = Get-Command -Module Ccr -Name $Name -CommandType Cmdlet -ErrorAction SilentlyContinue
        $command | Should -Not -BeNullOrEmpty
        $command.Parameters.Keys | Should -Contain 'WhatIf'
        $command.Parameters.Keys | Should -Contain 'Confirm'
    }
}
