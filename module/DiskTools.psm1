# Loads the DiskTools cmdlets into a private assembly load context (see DiskTools.Loader), so the
# libraries the module ships never clash with other modules' copies, and makes its public types nameable
# in scripts (see DiskTools.Loader.TypeNames). Uses .NET calls only: no Add-Type.
$loaderPath = [System.IO.Path]::Combine($PSScriptRoot, 'bin', 'DiskTools.Loader.dll')
if (-not ('DiskTools.Loader.ModuleLoadContext' -as [type])) {
    $null = [System.Reflection.Assembly]::LoadFrom($loaderPath)
}

$moduleAssembly = [DiskTools.Loader.ModuleLoadContext]::Initialize()
$innerModule = Import-Module -Assembly $moduleAssembly -PassThru -DisableNameChecking

# Remove the nested binary module with this one so Remove-Module leaves nothing behind.
$ExecutionContext.SessionState.Module.OnRemove = {
    Remove-Module -ModuleInfo $innerModule -Force -ErrorAction SilentlyContinue
}.GetNewClosure()
