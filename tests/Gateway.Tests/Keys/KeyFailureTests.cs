using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Observability;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Keys;

/// <summary>
/// Key loads that fail, through the real gateway and the real test identity provider: requests never
/// hammer a failing IdP, a JWKS without a usable signing key never replaces good keys, and a kid the
/// gateway could not check is answered 503 (retry later), not 401 (throw the token away).
/// </summary>
[Collection(IntegrationCollection.Name)]
public sealed class KeyFailureTests
{
    private readonly IntegrationFixture _fixture;

    public KeyFailureTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private TestIdentityProvider Idp => _fixture.Idp;

    [Fact]
    public async Task ForgedTokens_WhileTheIssuerHasNoKeys_AreAnswered503FromMemory_WithinTheBackoff()
    {
        Idp.Failure = IdpFailure.ServerError;
        try
        {
            Idp.ResetCounters();
            await using var gateway = await _fixture.Config().StartAsync();
            await Eventually.HoldsAsync(() => Idp.DiscoveryFetches >= 1, TimeSpan.FromSeconds(5), "the gateway never tried to load keys");
            var forged = Idp.Mint(key: TestIdentityProvider.CreateUnpublishedRsaKey("forged"));
            Idp.ResetCounters();

            var watch = Stopwatch.StartNew();
            for (var i = 0; i < 200; i++)
            {
                using var response = await gateway.Client.GetWithTokenAsync("/api/x", forged);
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
            }

            var elapsed = watch.Elapsed;
            var requestsToIdp = Idp.DiscoveryFetches + Idp.JwksFetches;

            // Retries back off 1 s, 2 s, 4 s, ...: in `elapsed` there is room for at most this many.
            var allowed = 2 + (int)Math.Log2(1 + elapsed.TotalSeconds);
            Assert.True(requestsToIdp <= allowed, $"200 requests in {elapsed.TotalSeconds:F1} s made {requestsToIdp} requests to the identity provider (allowed: {allowed})");
        }
        finally
        {
            Idp.Failure = IdpFailure.None;
        }
    }

    [Fact]
    public async Task JwksWithoutAUsableSigningKey_KeepsTheLastGoodKeys_InMemoryAndInRedis_AndIsReported()
    {
        var config = _fixture.Config().WithRedis(_fixture.Redis, "nosig-" + Guid.NewGuid().ToString("N")[..8] + ":");
        config.Issuer["KeyRefreshInterval"] = "00:00:01";
        config.Gateway["KeyCache"] = new JsonObject { ["MinRefreshInterval"] = "00:00:01" };
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        try
        {
            Idp.ResetCounters();
            Idp.Failure = IdpFailure.NoSigningKeys;
            await Eventually.HoldsAsync(
                () => gateway.Logs.Lines.Any(l => l.EventId == EventIds.KeyLoadFailed && l.Message.Contains("no usable signing key", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(5),
                "no refresh failed for want of a usable signing key:\n" + gateway.Logs.AllText());
            Assert.True(Idp.JwksFetches >= 1);

            using var response = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint());
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}\n{gateway.Logs.AllText()}");
            Assert.True(gateway.HoldsKey("test", "rsa-1"));

            // The fleet's copy is not replaced either.
            var entry = await ReaderFor(config).GetAsync("test", Gateway.Keys.KeyManagerPool.DiscoveryAddress(Idp.Issuer), CancellationToken.None);
            Assert.NotNull(entry);
            Assert.Contains("rsa-1", entry.JwksJson, StringComparison.Ordinal);

            // Readiness names the failing issuer (its keys still serve: ready).
            using var ready = await gateway.Client.GetAsync("/healthz/ready");
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
            using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
            var issuer = body.RootElement.GetProperty("issuers").GetProperty("test");
            Assert.True(issuer.GetProperty("lastLoadFailed").GetBoolean());
            Assert.Contains("no usable signing key", issuer.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            Idp.Failure = IdpFailure.None;
        }
    }

    [Fact]
    public async Task UnknownKid_WhoseRefreshFails_Is503WithRetryAfter_AndItsOwnReason_ThenAcceptedOnceTheIdpIsBack()
    {
        var config = _fixture.Config();
        config.Gateway["Observability"] = new JsonObject { ["AccessLog"] = true };
        config.Issuer["UnknownKidRefreshInterval"] = "00:00:01"; // waited out below, once the IdP is back
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        var rotated = Idp.AddRsaKey("down-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Idp.Failure = IdpFailure.ServerError;
            var token = Idp.Mint(kid: rotated.Kid);

            using (var response = await gateway.Client.GetWithTokenAsync("/api/x", token))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.Null(response.Challenge()); // no invalid_token: the client keeps its token
            }

            // Asked again at once: still 503 (the kid was never checked), answered from memory.
            var before = Idp.DiscoveryFetches + Idp.JwksFetches;
            using (var again = await gateway.Client.GetWithTokenAsync("/api/x", token))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
            }

            Assert.Equal(before, Idp.DiscoveryFetches + Idp.JwksFetches);
            await Eventually.HoldsAsync(
                () => gateway.Logs.Lines.Any(l => l.EventId == EventIds.AccessLog && l.Message.Contains("reason=key_refresh_failed", StringComparison.Ordinal)),
                TimeSpan.FromSeconds(5),
                "no access log line with reason=key_refresh_failed");

            using (var ready = await gateway.Client.GetAsync("/healthz/ready"))
            {
                using var body = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
                Assert.True(body.RootElement.GetProperty("issuers").GetProperty("test").GetProperty("lastLoadFailed").GetBoolean());
            }

            // The IdP is back: after the unknown-kid interval (1 s here) and the backoff (1 s) the same token passes.
            Idp.Failure = IdpFailure.None;
            await Eventually.HoldsAsync(
                async () =>
                {
                    using var response = await gateway.Client.GetWithTokenAsync("/api/x", token);
                    return response.StatusCode == HttpStatusCode.OK;
                },
                TimeSpan.FromSeconds(10),
                "the rotated-in key was not accepted after the identity provider came back");
        }
        finally
        {
            Idp.Failure = IdpFailure.None;
            Idp.Unpublish(rotated.Kid);
        }
    }

    [Fact]
    public async Task UnknownKid_WhenTheIdpIsSlowerThanFetchTimeout_Is503_WithinTheBudget()
    {
        var config = _fixture.Config();
        config.Issuer["FetchTimeout"] = "00:00:01";
        await using var gateway = await config.StartAsync();
        await gateway.WaitUntilReadyAsync();
        var rotated = Idp.AddRsaKey("slow-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using (var warmUp = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint()))
            {
                Assert.Equal(HttpStatusCode.OK, warmUp.StatusCode); // the request path is compiled before it is timed
            }

            Idp.ResponseDelay = TimeSpan.FromSeconds(3);
            var watch = Stopwatch.StartNew();
            using var response = await gateway.Client.GetWithTokenAsync("/api/x", Idp.Mint(kid: rotated.Kid));

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2.5), $"the request waited {watch.Elapsed}");
        }
        finally
        {
            Idp.ResponseDelay = null;
            Idp.Unpublish(rotated.Kid);
        }
    }

    private static RedisSharedKeyStore ReaderFor(TestConfig config) => new(
        new RedisConnectionFactory(config.Gateway["Redis"]!["Configuration"]!.GetValue<string>()),
        new KeyEntryProtector(TestConfig.IntegrityKey),
        config.Gateway["Redis"]!["KeyPrefix"]!.GetValue<string>(),
        TimeSpan.FromSeconds(2),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<RedisSharedKeyStore>.Instance);
}
