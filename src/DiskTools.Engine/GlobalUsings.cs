// The namespaces most files of this project use, imported once here rather than at the top of each file.
global using DiskTools.Engine.Output;
global using Npgsql;
global using System.Buffers;
global using System.Buffers.Binary;
global using System.Collections.Concurrent;
global using System.Diagnostics;
global using System.Globalization;
global using System.Net.Sockets;
global using System.Runtime.CompilerServices;
global using System.Runtime.InteropServices;
global using System.Security.Cryptography;
global using System.Text;
global using System.Text.RegularExpressions;
global using System.Threading.Channels;
