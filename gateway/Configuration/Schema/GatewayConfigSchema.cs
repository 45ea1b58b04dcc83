using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Gateway.Configuration.Schema;

/// <summary>
/// <c>config/gateway.schema.json</c>, embedded in the gateway: the single description of the configuration's
/// shape, read by editors through <c>$schema</c> and by the gateway at startup, on reload and in <c>check-config</c>.
/// </summary>
internal static class GatewayConfigSchema
{
    public const string ResourceName = "Gateway.gateway.schema.json";

    private static readonly Lazy<(JsonObject Document, JsonSchema Evaluator)> Loaded = new(Load);

    /// <summary>The schema as a JSON document (the shape walker follows its <c>properties</c>, <c>items</c> and <c>$ref</c>s).</summary>
    public static JsonObject Document => Loaded.Value.Document;

    /// <summary>The schema compiled by JsonSchema.Net, which checks every other keyword (enum, required, minProperties, …).</summary>
    public static JsonSchema Evaluator => Loaded.Value.Evaluator;

    public static string Text()
    {
        using var stream = typeof(GatewayConfigSchema).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static (JsonObject, JsonSchema) Load()
    {
        var text = Text();
        var document = JsonNode.Parse(text)!.AsObject();

        // A registry of its own: the process-wide one would refuse a second schema with the same base URI.
        var evaluator = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        return (document, evaluator);
    }

    /// <summary>Evaluates a document whose structure the walker already checked; returns (instance location, message) pairs.</summary>
    public static IEnumerable<(string Path, string Message)> Evaluate(JsonNode document)
    {
        var element = JsonSerializer.SerializeToElement(document);
        var results = Evaluator.Evaluate(element, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            yield break;
        }

        foreach (var detail in (results.Details ?? []).Prepend(results))
        {
            if (detail.Errors is not { Count: > 0 } errors)
            {
                continue;
            }

            var path = string.Join(':', detail.InstanceLocation.ToString().Split('/', StringSplitOptions.RemoveEmptyEntries)
                .Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)));
            foreach (var (keyword, message) in errors)
            {
                yield return (path, $"{message} (schema: {keyword})");
            }
        }
    }
}
