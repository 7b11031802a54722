System.Console.Error.WriteLine("help builder: not yet"); return 0;
