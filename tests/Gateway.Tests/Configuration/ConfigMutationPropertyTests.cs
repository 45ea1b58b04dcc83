using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Gateway.Configuration;
using Gateway.Development;
using Gateway.Keys;
using Gateway.Policies;
using Gateway.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Configuration;

namespace Gateway.Tests.Configuration;

/// <summary>
/// Property: a configuration mistake can never weaken a policy. Each mutation of a valid configuration (a value
/// of another JSON type, null, a dropped key, an empty requirement group, a typo in a key) is either rejected by
/// the loader, or every route it keeps refuses every claim set the original refused: judged on a corpus of claim
/// sets against the compiled policies, for tokens of each issuer.
/// </summary>
/// <remarks>
/// The base configuration is built so that a dropped key can only be a mistake: each policy and group holds one
/// kind of requirement (dropping it leaves an empty one, which is an error), every route names its policy, and the
/// default policy refuses everything (a route that loses its Policy key falls back to it).
/// </remarks>
public sealed class ConfigMutationPropertyTests
{
    private static readonly Lazy<IConfigValidator> ProxyValidator = new(() =>
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddReverseProxy();
        return builder.Services.BuildServiceProvider().GetRequiredService<IConfigValidator>();
    });

    // Policies are evaluated directly: no key is ever fetched.
    private static readonly KeyManagerPool Keys = new(
        new NoNetworkHttpClientFactory(), MemoryOnlyKeyStore.Instance, TimeProvider.System, NullLoggerFactory.Instance, _ => throw new InvalidOperationException("no development issuer here"));

    private static readonly Gateway.Introspection.TokenIntrospectorFactory Introspection = new(
        new NoNetworkHttpClientFactory(), Gateway.Introspection.NoSharedIntrospectionCache.Instance, TimeProvider.System, NullLoggerFactory.Instance);

    private static JsonObject Base() => JsonNode.Parse("""
        {
          "Gateway": {
            "Issuers": {
              "main": { "Authority": "https://idp.example.com", "Audiences": [ "api" ] },
              "other": { "JwksUri": "https://other.example.com/jwks", "Issuer": "https://other.example.com", "Audiences": [ "api" ] }
            },
            "DefaultPolicy": "nobody",
            "Policies": {
              "nobody": { "Roles": [ "no-such-role" ] },
              "admin": { "Roles": [ "admin" ] },
              "reader": { "Scopes": [ "read" ] },
              "main-only": { "Issuers": [ "main" ] },
              "tenant": { "Claims": [ { "Claim": "org.tenant", "Equals": "acme" } ] },
              "no-actor": { "Claims": [ { "Claim": "act", "Exists": false } ] },
              "region": { "Claims": [ { "Claim": "region", "OneOf": [ "eu", "us" ] } ] },
              "either": { "AnyOf": [ { "Roles": [ "support" ] }, { "AllOf": [ { "Scopes": [ "write" ] } ] }, { "Claims": [ { "Claim": "features", "Contains": "beta" } ] } ] },
              "open": { "AnyValidToken": true }
            },
            "ClaimHeaders": [ { "Header": "X-User-Id", "Claim": "sub" } ]
          },
          "ReverseProxy": {
            "Routes": {
              "admin": { "ClusterId": "c", "Match": { "Path": "/admin/{**rest}" }, "Metadata": { "Policy": "admin" } },
              "reader": { "ClusterId": "c", "Match": { "Path": "/reader/{**rest}" }, "Metadata": { "Policy": "reader" } },
              "main-only": { "ClusterId": "c", "Match": { "Path": "/main/{**rest}" }, "Metadata": { "Policy": "main-only" } },
              "tenant": { "ClusterId": "c", "Match": { "Path": "/tenant/{**rest}" }, "Metadata": { "Policy": "tenant" } },
              "no-actor": { "ClusterId": "c", "Match": { "Path": "/no-actor/{**rest}" }, "Metadata": { "Policy": "no-actor" } },
              "region": { "ClusterId": "c", "Match": { "Path": "/region/{**rest}" }, "Metadata": { "Policy": "region" } },
              "either": { "ClusterId": "c", "Match": { "Path": "/either/{**rest}" }, "Metadata": { "Policy": "either" } },
              "open": { "ClusterId": "c", "Match": { "Path": "/open/{**rest}" }, "Metadata": { "Policy": "open" } }
            },
            "Clusters": { "c": { "Destinations": { "d": { "Address": "https://backend.example.com/" } } } }
          }
        }
        """)!.AsObject();

    /// <summary>Every combination of the claims the policies look at (each present, absent or different).</summary>
    private static readonly List<TokenClaims> Corpus = BuildCorpus();

    private static List<TokenClaims> BuildCorpus()
    {
        var corpus = new List<TokenClaims>();
        string[][] roles = [[], ["admin"], ["support"], ["admin", "support"], ["user"]]; // never no-such-role: the default policy refuses every claim set
        string?[] scopes = [null, "read", "write", "read write"];
        string?[] tenants = [null, "acme", "globex"];
        bool[] actors = [false, true];
        object?[] features = [null, new[] { "beta" }, "beta", new[] { "alpha" }];
        string?[] regions = [null, "eu", "asia"];
        foreach (var r in roles)
        {
            foreach (var s in scopes)
            {
                foreach (var t in tenants)
                {
                    foreach (var a in actors)
                    {
                        foreach (var f in features)
                        {
                            foreach (var g in regions)
                            {
                                var claims = new Dictionary<string, object?> { ["sub"] = "u", ["roles"] = r };
                                if (s is not null) { claims["scope"] = s; }
                                if (t is not null) { claims["org"] = new Dictionary<string, object> { ["tenant"] = t }; }
                                if (a) { claims["act"] = new Dictionary<string, object> { ["sub"] = "svc" }; }
                                if (f is not null) { claims["features"] = f; }
                                if (g is not null) { claims["region"] = g; }
                                corpus.Add(new TokenClaims(JsonSerializer.SerializeToElement(claims)));
                            }
                        }
                    }
                }
            }
        }

        return corpus;
    }

    private static async Task<GatewaySnapshot?> LoadAsync(JsonObject config)
    {
        using var file = new ConfigValidationTests.TempConfigFile(config.ToJsonString());
        var configuration = new ConfigurationBuilder().AddJsonFile(file.Path, optional: false).Build();
        var (gateway, proxy, errors) = await new GatewayConfigLoader(ProxyValidator.Value, "Production").ReadAsync(configuration);
        var snapshot = errors.Count > 0 ? null : GatewaySnapshotBuilder.Build(gateway!, proxy!, Keys.Attach(GatewaySnapshotBuilder.KeySources(gateway!)), TimeProvider.System, Introspection);
        return snapshot;
    }

    /// <summary>For each route and issuer, the claim sets the snapshot lets through.</summary>
    private static Dictionary<(string Route, string Issuer), bool[]> Decisions(GatewaySnapshot snapshot)
    {
        var decisions = new Dictionary<(string, string), bool[]>();
        foreach (var (routeId, plan) in snapshot.Routes)
        {
            foreach (var issuer in new[] { "main", "other" })
            {
                var issuerProvider = snapshot.Issuers.ByName.GetValueOrDefault(issuer);
                decisions[(routeId, issuer)] = Corpus.Select(claims =>
                    plan.Policy.IsAnonymous || (issuerProvider is not null && plan.Policy.Evaluate(claims, issuerProvider.Identity) == PolicyDecision.Allow)).ToArray();
            }
        }

        return decisions;
    }

    private enum Mutation
    {
        ChangeType,
        Drop,
        Typo,
        EmptyGroup,
    }

    // A place in the configuration: the parent and the key (object property) or index (list item) of a value.
    private static List<(JsonNode Parent, string? Key, int Index)> Places(JsonNode node)
    {
        var places = new List<(JsonNode, string?, int)>();
        void Visit(JsonNode current)
        {
            switch (current)
            {
                case JsonObject o:
                    foreach (var (key, value) in o.ToList())
                    {
                        places.Add((o, key, -1));
                        if (value is not null)
                        {
                            Visit(value);
                        }
                    }

                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        places.Add((a, null, i));
                        if (a[i] is { } item)
                        {
                            Visit(item);
                        }
                    }

                    break;
            }
        }

        Visit(node);
        return places;
    }

    private static JsonValueKind Kind(JsonNode? node) => node?.GetValueKind() switch
    {
        null => JsonValueKind.Null,
        JsonValueKind.True or JsonValueKind.False => JsonValueKind.True,
        var kind => kind!.Value,
    };

    // Values of every JSON type, and the value wrapped in a list, in an index-keyed object, or taken out of a list.
    private static List<JsonNode?> Replacements(JsonNode? original)
    {
        var candidates = new List<JsonNode?>
        {
            JsonValue.Create("admin"), JsonValue.Create(""), JsonValue.Create(1), JsonValue.Create(true), JsonValue.Create(false), null,
            new JsonArray(), new JsonObject(), new JsonArray(original?.DeepClone()), new JsonObject { ["0"] = original?.DeepClone() },
        };
        if (original is JsonArray { Count: > 0 } list)
        {
            candidates.Add(list[0]?.DeepClone());
        }

        // Same JSON type, other value: a different configuration, not a mistake of shape.
        return candidates.Where(c => Kind(c) != Kind(original)).ToList();
    }

    private static string Misspell(string key, int variant) => (variant % 4) switch
    {
        0 => key.Length > 1 ? key[..^1] : key + "x",                                      // a letter dropped
        1 => key + key[^1],                                                                 // a letter doubled
        2 => key.Length > 1 ? string.Concat(key[1], key[0], key[2..]) : key + "y",         // two letters swapped
        _ => key.Any(char.IsLower) ? key.ToUpperInvariant() : key.ToLowerInvariant(), // case only: the same key
    };

    private static readonly JsonNode?[] EmptyGroups =
    [
        new JsonObject(), null, new JsonObject { ["Scopes"] = new JsonArray() }, new JsonObject { ["AnyOf"] = new JsonArray(new JsonObject()) },
        new JsonObject { ["Roles"] = new JsonArray(), ["Claims"] = new JsonArray() }, new JsonObject { ["AllOf"] = new JsonArray() },
    ];

    /// <summary>Applies one mutation; a description of it, or null when it does not apply to the chosen place.</summary>
    private static string? Mutate(JsonObject config, Mutation mutation, int place, int variant)
    {
        if (mutation == Mutation.EmptyGroup)
        {
            var groups = Places(config).Where(p => p.Key is "AnyOf" or "AllOf" && p.Parent[p.Key] is JsonArray).ToList();
            var (parent, key, _) = groups[place % groups.Count];
            var empty = EmptyGroups[variant % EmptyGroups.Length]?.DeepClone();
            parent[key!]!.AsArray().Add(empty);
            return $"{key} += {empty?.ToJsonString() ?? "null"} at {parent.GetPath()}";
        }

        var places = Places(config);
        var (target, name, index) = places[place % places.Count];
        var current = name is not null ? target[name] : target[index];
        switch (mutation)
        {
            case Mutation.ChangeType:
                var replacements = Replacements(current);
                var replacement = replacements[variant % replacements.Count];
                if (name is not null)
                {
                    target[name] = replacement;
                }
                else
                {
                    target[index] = replacement;
                }

                return $"{target.GetPath()}/{name ?? index.ToString(System.Globalization.CultureInfo.InvariantCulture)} = {replacement?.ToJsonString() ?? "null"}";
            case Mutation.Drop when name is not null:
                target.AsObject().Remove(name);
                return $"drop {target.GetPath()}.{name}";
            case Mutation.Typo when name is not null:
                var misspelt = Misspell(name, variant);
                var value = current?.DeepClone();
                target.AsObject().Remove(name);
                if (target.AsObject().ContainsKey(misspelt))
                {
                    return null;
                }

                target[misspelt] = value;
                return $"rename {target.GetPath()}.{name} to {misspelt}";
            default:
                return null;
        }
    }

    [Fact]
    public async Task Mutations_AreRejected_OrRefuseEverythingTheOriginalRefused()
    {
        var original = Decisions(await LoadAsync(Base()) ?? throw new InvalidOperationException("the base configuration is invalid"));
        var accepted = 0;
        var rejected = 0;
        await Gen.Select(Gen.Enum<Mutation>(), Gen.Int[0, 10_000], Gen.Int[0, 100]).SampleAsync(
            async (mutation, place, variant) =>
            {
                var config = Base();
                var description = Mutate(config, mutation, place, variant);
                if (description is null)
                {
                    return true;
                }

                var snapshot = await LoadAsync(config);
                if (snapshot is null)
                {
                    Interlocked.Increment(ref rejected);
                    return true;
                }

                Interlocked.Increment(ref accepted);
                foreach (var ((route, issuer), allowed) in Decisions(snapshot))
                {
                    // A route the mutation renamed or removed refuses everything under its old id.
                    if (!original.TryGetValue((route, issuer), out var before))
                    {
                        continue;
                    }

                    for (var i = 0; i < allowed.Length; i++)
                    {
                        if (allowed[i] && !before[i])
                        {
                            throw new InvalidOperationException($"'{description}' was accepted and lets through on route {route} ({issuer}) the claims {Corpus[i].Payload.GetRawText()}, which the original refused");
                        }
                    }
                }

                return true;
            },
            iter: 400,
            threads: 1);

        // Both outcomes happened: the check judged accepted mutations, not only refusals.
        Assert.True(accepted > 0 && rejected > 0, $"accepted {accepted}, rejected {rejected}");
    }
}
