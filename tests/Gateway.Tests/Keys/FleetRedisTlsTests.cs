using System.Globalization;
using System.Net;
using Gateway.Observability;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Gateway.Tests.Keys;

/// <summary>
/// A fleet sharing keys over TLS with a real redis-server (<c>--port 0 --tls-port</c>) whose certificate a test CA
/// signed: with and without client certificates, and with a server certificate the configured CA did not sign.
/// </summary>
public sealed class FleetRedisTlsTests : IDisposable, IClassFixture<IntegrationFixture>
{
    private readonly IntegrationFixture _fixture;
    private readonly Xunit.Abstractions.ITestOutputHelper _output;
    private readonly TestCertificateAuthority _ca = new("gateway-test-redis-ca");

    // Made only by the one test that uses it: a certificate authority costs an RSA key, and xunit builds the class anew
    // for every test.
    private readonly Lazy<TestCertificateAuthority> _otherCa = new(() => new("some-other-ca"));

    public FleetRedisTlsTests(IntegrationFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ServerSignedByTheConfiguredCa_FleetSharesKeysOverTls(bool clientCertificates)
    {
        using var redis = StartTlsRedis(_ca, clientCertificates);
        var config = ConfigFor(redis);
        if (clientCertificates)
        {
            var (certificate, key) = _ca.IssueClient("gateway-client");
            config.Gateway["Redis"]!["ClientCertificatePath"] = certificate;
            config.Gateway["Redis"]!["ClientKeyPath"] = key;
        }

        _fixture.Idp.ResetCounters();
        var fleet = await StartFleetAsync(config, 3);
        var rotated = _fixture.Idp.AddRsaKey("tls-rot-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Assert.Equal(1, _fixture.Idp.JwksFetches); // one cold-start fetch for the fleet: the entry went through TLS
            _fixture.Idp.ResetCounters();
            var token = _fixture.Idp.Mint(kid: rotated.Kid);
            var responses = await Task.WhenAll(fleet.Select(r => r.Client.GetWithTokenAsync("/api/x", token)));
            for (var i = 0; i < fleet.Length; i++)
            {
                Assert.True(responses[i].StatusCode == HttpStatusCode.OK, $"replica {i} answered {(int)responses[i].StatusCode}\n{fleet[i].Logs.AllText()}");
            }

            Assert.Equal(1, _fixture.Idp.JwksFetches);
            await Eventually.HoldsAsync(() => fleet.All(r => r.HoldsKey("test", rotated.Kid)), TimeSpan.FromSeconds(2), "a change notice did not arrive over TLS");
            foreach (var replica in fleet)
            {
                Assert.DoesNotContain(replica.Logs.Lines, l => l.EventId is EventIds.SharedCacheUnavailable or EventIds.SharedCacheCommandRefused);
            }
        }
        finally
        {
            _fixture.Idp.Unpublish(rotated.Kid);
            await StopAsync(fleet);
        }
    }

    [Fact]
    public async Task ServerSignedByAnotherCa_IsNeverTrusted_FleetWorksFromTheIdentityProvider()
    {
        using var redis = StartTlsRedis(_otherCa.Value, clientCertificates: false);
        var config = ConfigFor(redis); // trusts _ca only

        _fixture.Idp.ResetCounters();
        var fleet = await StartFleetAsync(config, 2);
        try
        {
            // Each replica loaded its keys from the identity provider: nothing went to or came from that Redis.
            Assert.Equal(2, _fixture.Idp.JwksFetches);
            foreach (var replica in fleet)
            {
                using var response = await replica.Client.GetWithTokenAsync("/api/x", _fixture.Idp.Mint());
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var connection = await replica.Services.GetRequiredService<RedisConnectionFactory>().GetConnectionAsync();
                Assert.False(connection.IsConnected);

                // Reported with its reason: the log, and readiness (still 200: the gateway works without Redis).
                await Eventually.HoldsAsync(
                    () => replica.Logs.Lines.Any(l => l.EventId == EventIds.SharedCacheUnavailable && l.Message.Contains("server certificate was refused", StringComparison.Ordinal)),
                    TimeSpan.FromSeconds(5),
                    "the refused certificate was not logged:\n" + replica.Logs.AllText());
                using var ready = await replica.Client.GetAsync("/healthz/ready");
                Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
                using var body = System.Text.Json.JsonDocument.Parse(await ready.Content.ReadAsStringAsync());
                Assert.Equal("unavailable", body.RootElement.GetProperty("redis").GetString());
                var reason = body.RootElement.GetProperty("redisErrors").GetProperty("connect").GetString();
                _output.WriteLine("readiness redisErrors.connect: " + reason);
                Assert.Contains("server certificate was refused", reason, StringComparison.Ordinal);
            }

            await using var admin = await AdminAsync(redis, _otherCa.Value);
            Assert.True(admin.IsConnected, "the admin connection failed: the server is up and serves TLS");
            Assert.Empty(await admin.GetServer(admin.GetEndPoints()[0]).KeysAsync(pattern: "*").ToListAsync());
        }
        finally
        {
            await StopAsync(fleet);
        }
    }

    [Fact]
    public async Task ClientCertificateRequired_ButNoneConfigured_RedisRefuses_FleetWorksFromTheIdentityProvider()
    {
        using var redis = StartTlsRedis(_ca, clientCertificates: true);
        _fixture.Idp.ResetCounters();
        var fleet = await StartFleetAsync(ConfigFor(redis), 2);
        try
        {
            Assert.Equal(2, _fixture.Idp.JwksFetches);
            foreach (var replica in fleet)
            {
                using var response = await replica.Client.GetWithTokenAsync("/api/x", _fixture.Idp.Mint());
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                await Eventually.HoldsAsync(
                    () => replica.Logs.Lines.Any(l => l.EventId == EventIds.SharedCacheUnavailable && l.Message.Contains("connection failed", StringComparison.Ordinal)),
                    TimeSpan.FromSeconds(5),
                    "the refused connection was not logged:\n" + replica.Logs.AllText());
                _output.WriteLine("log: " + replica.Logs.Lines.First(l => l.EventId == EventIds.SharedCacheUnavailable && l.Message.Contains("connection failed", StringComparison.Ordinal)).Message);
            }
        }
        finally
        {
            await StopAsync(fleet);
        }
    }

    private TestConfig ConfigFor(RedisServer redis)
    {
        var config = _fixture.Config().WithRedis(redis, "tls-" + Guid.NewGuid().ToString("N")[..8] + ":");
        config.Gateway["Redis"]!["Configuration"] = $"127.0.0.1:{redis.Port},ssl=true,sslHost=localhost";
        config.Gateway["Redis"]!["CaCertificatePath"] = _ca.CertificatePath;
        return config;
    }

    /// <summary>redis-server listening only on TLS, with a certificate <paramref name="issuer"/> signed.</summary>
    private static RedisServer StartTlsRedis(TestCertificateAuthority issuer, bool clientCertificates)
    {
        var (certificate, key) = issuer.IssueServer("redis-" + Guid.NewGuid().ToString("N")[..6]);
        var port = FreePort.Next();
        return new RedisServer(port, extraArguments:
        [
            "--port", "0", "--tls-port", port.ToString(CultureInfo.InvariantCulture),
            "--tls-cert-file", certificate, "--tls-key-file", key, "--tls-ca-cert-file", issuer.CertificatePath,
            "--tls-auth-clients", clientCertificates ? "yes" : "no",
        ]);
    }

    /// <summary>An admin connection that trusts the CA which signed the server (the test inspects what the gateway wrote).</summary>
    private static Task<ConnectionMultiplexer> AdminAsync(RedisServer redis, TestCertificateAuthority issuer)
    {
        var options = ConfigurationOptions.Parse($"127.0.0.1:{redis.Port},ssl=true,sslHost=localhost,allowAdmin=true,connectTimeout=3000");
        options.TrustIssuer(issuer.CertificatePath);
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    private static async Task<GatewayInstance[]> StartFleetAsync(TestConfig config, int size)
    {
        var replicas = await Task.WhenAll(Enumerable.Range(0, size).Select(_ => config.StartAsync()));
        await Task.WhenAll(replicas.Select(r => r.WaitUntilReadyAsync()));
        return replicas;
    }

    private static async Task StopAsync(IEnumerable<GatewayInstance> replicas)
    {
        foreach (var replica in replicas)
        {
            await replica.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _ca.Dispose();
        if (_otherCa.IsValueCreated)
        {
            _otherCa.Value.Dispose();
        }
    }
}
