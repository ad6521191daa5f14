BeforeAll {
    Import-Module $env:CCR_TEST_MODULE -Force
}

Describe 'Ccr module' {
    It 'exports exactly the cmdlets the manifest names' {
        $manifest = Import-PowerShellDataFile (Join-Path $env:CCR_TEST_MODULE 'Ccr.psd1')
        $exported = @((Get-Command -Module Ccr).Name | Sort-Object)
        $declared = @($manifest.CmdletsToExport | Sort-Object)
        ($exported -join ',') | Should -BeExactly ($declared -join ',')
    }

    It 'declares PowerShell 7.4 Core' {
        $manifest = Import-PowerShellDataFile (Join-Path $env:CCR_TEST_MODULE 'Ccr.psd1')
        $manifest.PowerShellVersion | Should -Be '7.4'
        $manifest.CompatiblePSEditions | Should -Contain 'Core'
    }
}
