// The namespaces most files of this project use, imported once here rather than at the top of each file.
global using System.Management.Automation;
global using System.Text;
