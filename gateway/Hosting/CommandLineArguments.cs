namespace Gateway.Hosting;

/// <summary>A minimal <c>--name value</c> parser for the gateway's subcommands (repeatable options collect every value).</summary>
internal sealed class CommandLineArguments
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);

    public CommandLineArguments(IEnumerable<string> args, IReadOnlySet<string> known)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                Positional.Add(arg);
                continue;
            }

            var name = arg[2..];
            string value;
            var equals = name.IndexOf('=', StringComparison.Ordinal);
            if (equals >= 0)
            {
                value = name[(equals + 1)..];
                name = name[..equals];
            }
            else if (i + 1 < list.Count)
            {
                value = list[++i];
            }
            else
            {
                throw new ArgumentException($"option --{name} needs a value");
            }

            if (!known.Contains(name))
            {
                throw new ArgumentException($"unknown option --{name} (known: {string.Join(", ", known.Select(k => "--" + k))})");
            }

            if (!_options.TryGetValue(name, out var values))
            {
                _options[name] = values = [];
            }

            values.Add(value);
        }
    }

    public List<string> Positional { get; } = [];

    public string? Get(string name) => _options.TryGetValue(name, out var values) ? values[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _options.TryGetValue(name, out var values) ? values : [];
}
