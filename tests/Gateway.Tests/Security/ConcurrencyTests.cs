using System.Net;
using System.Text.Json.Nodes;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Security;

/// <summary>Many clients with different tokens at once: every forwarded request carries its own token's claims, never another's.</summary>
public sealed class ConcurrencyTests : IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;

    public ConcurrencyTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    [Fact]
    public async Task ConcurrentClients_NeverSeeEachOthersClaims()
    {
        _fixture.Downstream.Clear();
        await using var gateway = await _fixture.Config()
            .ClaimHeaders(("X-User-Id", "sub"), ("X-Tenant", "tenant"))
            .Policy("tenant-a", new JsonObject { ["Claims"] = new JsonArray(new JsonObject { ["Claim"] = "tenant", ["OneOf"] = new JsonArray("a") }) })
            .Route("a-only", "tenant-a")
            .StartAsync();
        await gateway.WaitUntilReadyAsync();
        const int clients = 32;
        const int requestsEach = 8;
        var tokens = Enumerable.Range(0, clients)
            .Select(i => _fixture.Idp.Mint(new Dictionary<string, object?> { ["sub"] = $"user-{i}", ["tenant"] = i % 2 == 0 ? "a" : "b" }, kid: i % 3 == 0 ? "ec-1" : "rsa-1"))
            .ToArray();

        var results = await Task.WhenAll(Enumerable.Range(0, clients).Select(async i =>
        {
            using var http = new HttpClient { BaseAddress = gateway.Client.BaseAddress };
            var statuses = new List<(string Path, HttpStatusCode Status)>();
            for (var r = 0; r < requestsEach; r++)
            {
                var path = r % 2 == 0 ? $"/api/c{i}/r{r}" : $"/a-only/c{i}/r{r}";
                using var response = await http.GetWithTokenAsync(path, tokens[i]);
                statuses.Add((path, response.StatusCode));
            }

            return (Client: i, Statuses: statuses);
        }));

        foreach (var (client, statuses) in results)
        {
            foreach (var (path, status) in statuses)
            {
                var expected = path.StartsWith("/a-only", StringComparison.Ordinal) && client % 2 == 1 ? HttpStatusCode.Forbidden : HttpStatusCode.OK;
                Assert.Equal(expected, status);
            }
        }

        // Every request the downstream saw carries exactly the claims of the client named in its path.
        var received = _fixture.Downstream.Received.ToList();
        Assert.Equal(clients * requestsEach * 3 / 4, received.Count);
        foreach (var request in received)
        {
            var client = int.Parse(request.Path.Split('/')[2][1..], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal($"user-{client}", request.Header("X-User-Id"));
            Assert.Equal(client % 2 == 0 ? "a" : "b", request.Header("X-Tenant"));
        }
    }
}
