using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Benchmarks/Gateway.Benchmarks -- --filter '*'            (default job)
// dotnet run -c Release --project tests/Benchmarks/Gateway.Benchmarks -- --filter '*' --job short (a quicker look)
BenchmarkSwitcher.FromAssembly(typeof(Gateway.Benchmarks.HotPathBenchmarks).Assembly).Run(args);
