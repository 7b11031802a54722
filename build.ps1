#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, tests, documents and packages DiskTools (build.sh does Build and Test where there is no pwsh).

.DESCRIPTION
    Build    assembles <OutputPath>/DiskTools/<version>/ (manifest, module files, bin/, en-US help) and the
             disktools launcher in <OutputPath>/disktools/, the same layout build.sh makes.
    Test     builds (unless -NoBuild), then runs 'dotnet test' for every tests/*.Tests project against that
             output (DISKTOOLS_OUTPUT).
    Docs     writes en-US/DiskTools.dll-Help.xml into the built module: New-ExternalHelp when platyPS is
             installed, otherwise build/HelpBuilder (same MAML).
    Package  builds (unless -NoBuild), then writes DiskTools.<version>.nupkg to -PackagePath: a
             PowerShellGet-style package that Install-PSResource installs.

    The version comes from DiskTools.psd1 only. The script uses core cmdlets and .NET calls only, so it also
    runs in the disktools launcher: disktools -File build.ps1 -Task Package -NoBuild -PackagePath /tmp/pkg

.EXAMPLE
    ./build.ps1 -Task Build, Test

.EXAMPLE
    ./build.ps1 -Task Package -NoBuild -PackagePath ./packages
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Docs', 'Package')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # Root of the build output: the module goes to <OutputPath>/DiskTools/<version>/.
    [string] $OutputPath = [System.IO.Path]::Combine($PSScriptRoot, 'output'),

    # Where Package writes the .nupkg; defaults to <OutputPath>/packages.
    [string] $PackagePath,

    # Test and Package reuse the module already built in OutputPath instead of building it again.
    [switch] $NoBuild
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$root = $PSScriptRoot
# Relative paths are relative to the current location, as in any cmdlet (Get-Location is not in every host).
$here = $ExecutionContext.SessionState.Path.CurrentFileSystemLocation.ProviderPath
$OutputPath = [System.IO.Path]::GetFullPath($OutputPath, $here)
$PackagePath = if ($PackagePath) { [System.IO.Path]::GetFullPath($PackagePath, $here) } else { [System.IO.Path]::Combine($OutputPath, 'packages') }
[System.Environment]::SetEnvironmentVariable('DOTNET_CLI_TELEMETRY_OPTOUT', '1')
[System.Environment]::SetEnvironmentVariable('DOTNET_NOLOGO', '1')

# Progress goes to stderr, so stdout stays clean for whatever calls this script.
function Write-Log([string] $message) { [System.Console]::Error.WriteLine("==> $message") }

function Invoke-Dotnet {
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE" }
}

# The manifest is the one source of the version and export list; read it as data (no code runs), with the
# parser rather than Import-PowerShellDataFile, which the hosted engine lacks.
function Read-Manifest {
    $path = [System.IO.Path]::Combine($root, 'DiskTools.psd1')
    $tokens = $null
    $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref] $tokens, [ref] $errors)
    if ($errors.Count -gt 0) { throw "$path is not valid: $($errors[0].Message)" }
    $hashtable = $ast.Find({ param($node) $node -is [System.Management.Automation.Language.HashtableAst] }, $false)
    $hashtable.SafeGetValue()
}

$manifest = Read-Manifest
$version = [string] $manifest.ModuleVersion
$moduleDir = [System.IO.Path]::Combine($OutputPath, 'DiskTools', $version)
$launcherDir = [System.IO.Path]::Combine($OutputPath, 'disktools')

function Reset-Directory([string] $path) {
    if ([System.IO.Directory]::Exists($path)) { [System.IO.Directory]::Delete($path, $true) }
    $null = [System.IO.Directory]::CreateDirectory($path)
}

function Copy-Files([string] $sourceDir, [string] $pattern, [string] $targetDir) {
    $null = [System.IO.Directory]::CreateDirectory($targetDir)
    foreach ($file in [System.IO.Directory]::GetFiles($sourceDir, $pattern)) {
        [System.IO.File]::Copy($file, [System.IO.Path]::Combine($targetDir, [System.IO.Path]::GetFileName($file)), $true)
    }
}

function Invoke-Build {
    Write-Log "DiskTools $version -> $moduleDir"
    Reset-Directory $moduleDir
    if ([System.IO.Directory]::Exists($launcherDir)) { [System.IO.Directory]::Delete($launcherDir, $true) }
    $bin = [System.IO.Path]::Combine($moduleDir, 'bin')
    Invoke-Dotnet publish ([System.IO.Path]::Combine($root, 'src', 'DiskTools', 'DiskTools.csproj')) -c $Configuration -o $bin --nologo -v q --use-current-runtime --self-contained false -p:PublishReadyToRun=true
    Invoke-Dotnet publish ([System.IO.Path]::Combine($root, 'src', 'DiskTools.Loader', 'DiskTools.Loader.csproj')) -c $Configuration -o $bin --nologo -v q
    [System.IO.File]::Copy([System.IO.Path]::Combine($root, 'DiskTools.psd1'), [System.IO.Path]::Combine($moduleDir, 'DiskTools.psd1'), $true)
    $moduleSource = [System.IO.Path]::Combine($root, 'module')
    Copy-Files $moduleSource 'DiskTools.psm1' $moduleDir
    Copy-Files $moduleSource '*.ps1xml' $moduleDir
    Copy-Files ([System.IO.Path]::Combine($moduleSource, 'en-US')) '*' ([System.IO.Path]::Combine($moduleDir, 'en-US'))
    Invoke-Docs
    Invoke-Dotnet publish ([System.IO.Path]::Combine($root, 'src', 'DiskTools.Host', 'DiskTools.Host.csproj')) -c $Configuration -o $launcherDir --nologo -v q --use-current-runtime --self-contained false -p:PublishReadyToRun=true
    Write-Log "launcher: $([System.IO.Path]::Combine($launcherDir, 'disktools'))"
}

function Invoke-Docs {
    $docs = [System.IO.Path]::Combine($root, 'docs', 'en-US')
    $helpDir = [System.IO.Path]::Combine($moduleDir, 'en-US')
    $null = [System.IO.Directory]::CreateDirectory($helpDir)
    $platyPS = Get-Module -ListAvailable -Name platyPS
    if ($platyPS) {
        Write-Log "help: New-ExternalHelp (platyPS $(@($platyPS)[0].Version)) -> $helpDir"
        Import-Module -Name platyPS
        $null = New-ExternalHelp -Path $docs -OutputPath $helpDir -Force
    }
    else {
        Invoke-Dotnet run --project ([System.IO.Path]::Combine($root, 'build', 'HelpBuilder', 'HelpBuilder.csproj')) -c $Configuration -- `
            $docs ([System.IO.Path]::Combine($helpDir, 'DiskTools.dll-Help.xml'))
    }
}

function Invoke-Test {
    if (-not $NoBuild) { Invoke-Build }
    [System.Environment]::SetEnvironmentVariable('DISKTOOLS_OUTPUT', $OutputPath)
    $results = [System.IO.Path]::Combine($OutputPath, 'test-results')
    Reset-Directory $results
    $failed = [System.Collections.Generic.List[string]]::new()
    $testsDir = [System.IO.Path]::Combine($root, 'tests')
    foreach ($dir in [System.IO.Directory]::GetDirectories($testsDir, '*.Tests')) {
        foreach ($project in [System.IO.Directory]::GetFiles($dir, '*.csproj')) {
            $name = [System.IO.Path]::GetFileNameWithoutExtension($project)
            Write-Log "testing $name"
            & dotnet test $project -c $Configuration --nologo --logger "trx;LogFileName=$name.trx" --results-directory $results
            if ($LASTEXITCODE -ne 0) { $failed.Add($name) }
        }
    }
    if ($failed.Count -gt 0) { throw "tests failed: $($failed -join ', ')" }
}

function Invoke-Package {
    if (-not $NoBuild) { Invoke-Build }
    if (-not [System.IO.File]::Exists([System.IO.Path]::Combine($moduleDir, 'DiskTools.psd1'))) {
        throw "No built module in $moduleDir; run the Build task first or drop -NoBuild."
    }

    $null = [System.IO.Directory]::CreateDirectory($PackagePath)
    $package = [System.IO.Path]::Combine($PackagePath, "DiskTools.$version.nupkg")
    Write-Log "package: $package"
    # ZipArchive lives in an assembly PowerShell does not load up front; load it by name (no Add-Type).
    $null = [System.Reflection.Assembly]::Load('System.IO.Compression')
    $stream = [System.IO.File]::Create($package)
    try {
        $zip = [System.IO.Compression.ZipArchive]::new($stream, [System.IO.Compression.ZipArchiveMode]::Create)
        try {
            $extensions = [System.Collections.Generic.SortedSet[string]]::new([System.StringComparer]::OrdinalIgnoreCase)
            $prefix = $moduleDir.Length + 1
            foreach ($file in [System.IO.Directory]::GetFiles($moduleDir, '*', [System.IO.SearchOption]::AllDirectories)) {
                $entryName = $file.Substring($prefix).Replace([System.IO.Path]::DirectorySeparatorChar, '/')
                Add-ZipFile $zip $entryName $file
                $extension = [System.IO.Path]::GetExtension($file).TrimStart('.')
                if ($extension) { $null = $extensions.Add($extension) }
            }
            Add-ZipText $zip 'DiskTools.nuspec' (New-Nuspec)
            $null = $extensions.Add('nuspec')
            $null = $extensions.Add('rels')
            Add-ZipText $zip '_rels/.rels' (New-Relationships)
            Add-ZipText $zip '[Content_Types].xml' (New-ContentTypes $extensions)
        }
        finally { $zip.Dispose() }
    }
    finally { $stream.Dispose() }
}

function Add-ZipFile($zip, [string] $name, [string] $path) {
    $target = $zip.CreateEntry($name, [System.IO.Compression.CompressionLevel]::Optimal).Open()
    try {
        $source = [System.IO.File]::OpenRead($path)
        try { $source.CopyTo($target) } finally { $source.Dispose() }
    }
    finally { $target.Dispose() }
}

function Add-ZipText($zip, [string] $name, [string] $text) {
    $entry = $zip.CreateEntry($name)
    $writer = [System.IO.StreamWriter]::new($entry.Open(), [System.Text.UTF8Encoding]::new($false))
    try { $writer.Write($text) } finally { $writer.Dispose() }
}

function ConvertTo-XmlText([string] $text) { [System.Security.SecurityElement]::Escape($text) }

# The metadata PowerShellGet writes for a module, so Find-PSResource -Command/-Tag and Install-PSResource
# treat the package like one published from the gallery.
function New-Nuspec {
    $cmdlets = @($manifest.CmdletsToExport)
    $tags = [System.Collections.Generic.List[string]]::new()
    $tags.Add('PSModule')
    foreach ($edition in @($manifest.CompatiblePSEditions)) { $tags.Add("PSEdition_$edition") }
    foreach ($tag in @($manifest.PrivateData.PSData.Tags)) { $tags.Add($tag) }
    if ($cmdlets.Count -gt 0) { $tags.Add('PSIncludes_Cmdlet') }
    foreach ($cmdlet in $cmdlets) { $tags.Add("PSCmdlet_$cmdlet"); $tags.Add("PSCommand_$cmdlet") }
    $licenseUri = [string] $manifest.PrivateData.PSData.LicenseUri
    $license = if ($licenseUri) { "`n    <licenseUrl>$(ConvertTo-XmlText $licenseUri)</licenseUrl>" } else { '' }
    @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>DiskTools</id>
    <version>$(ConvertTo-XmlText $version)</version>
    <authors>$(ConvertTo-XmlText $manifest.Author)</authors>
    <owners>$(ConvertTo-XmlText $manifest.CompanyName)</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>$license
    <description>$(ConvertTo-XmlText $manifest.Description)</description>
    <copyright>$(ConvertTo-XmlText $manifest.Copyright)</copyright>
    <tags>$(ConvertTo-XmlText ($tags -join ' '))</tags>
  </metadata>
</package>
"@
}

function New-Relationships {
    @'
<?xml version="1.0" encoding="utf-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/DiskTools.nuspec" Id="R0" />
</Relationships>
'@
}

function New-ContentTypes($extensions) {
    $defaults = foreach ($extension in $extensions) {
        $type = if ($extension -eq 'rels') { 'application/vnd.openxmlformats-package.relationships+xml' } else { 'application/octet' }
        "  <Default Extension=`"$(ConvertTo-XmlText $extension)`" ContentType=`"$type`" />"
    }
    @"
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
$($defaults -join "`n")
</Types>
"@
}

foreach ($name in $Task) {
    switch ($name) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Docs' { Invoke-Docs }
        'Package' { Invoke-Package }
    }
}
