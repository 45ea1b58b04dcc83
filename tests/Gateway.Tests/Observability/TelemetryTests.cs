using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Observability;
using Gateway.Tests.Infrastructure;
using OpenTelemetry.Metrics;
using static Gateway.Observability.GatewayDiagnostics;

namespace Gateway.Tests.Observability;

/// <summary>
/// Spans, metric points and access log lines for allow, each 401 reason, 403 and anonymous, through
/// the real gateway with in-memory OpenTelemetry exporters, in parallel with other classes: the capture reads this
/// gateway's own meter and the traces of its own requests only (<see cref="TelemetryCapture"/>).
/// </summary>
public sealed class TelemetryTests : IAsyncLifetime, IClassFixture<IntegrationFixture>
{
    private const string SecretClaimValue = "secret-claim-value-7f3a9";
    private readonly IntegrationFixture _fixture;
    private readonly TelemetryCapture _telemetry = new();
    private GatewayInstance _gateway = null!;

    public TelemetryTests(IntegrationFixture fixture)
    {
        _fixture = fixture;
    }

    private TestIdentityProvider Idp => _fixture.Idp;

    public async Task InitializeAsync()
    {
        _fixture.Downstream.Clear();
        _gateway = await StartAsync(includeSubject: true);
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Allow_RecordsValidationAndPolicySpans_ServerSpanTags_AndRequestMetrics()
    {
        await _gateway.WaitUntilReadyAsync(); // so the request finds the keys in memory (a hit)
        var response = await _gateway.Client.GetWithTokenAsync("/otel/orders", Token());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var validation = await _telemetry.WaitForSpanAsync(Spans.TokenValidation, s => Tag(s, Tags.Issuer) == "otel");
        Assert.Equal("RS256", Tag(validation, Tags.Algorithm));
        Assert.Equal("rsa-1", Tag(validation, Tags.Kid));
        Assert.Equal("valid", Tag(validation, Tags.Outcome));
        Assert.Equal("none", Tag(validation, Tags.Reason));

        var policy = await _telemetry.WaitForSpanAsync(Spans.PolicyDecision, s => s.TraceId == validation.TraceId);
        Assert.Equal("(default)", Tag(policy, Tags.Policy));
        Assert.Equal("allow", Tag(policy, Tags.Outcome));

        var server = await ServerSpanAsync(validation.TraceId);
        Assert.Equal("otel", Tag(server, Tags.Route));
        Assert.Equal("allow", Tag(server, Tags.Decision));
        Assert.Equal("otel", Tag(server, Tags.Issuer));
        Assert.Equal("alice", Tag(server, Tags.Subject));
        Assert.NotEqual(default, validation.ParentSpanId); // inside the request's trace (under YARP's proxy span)

        // W3C trace context reaches the downstream, in the same trace.
        var traceparent = _fixture.Downstream.Single().Header("traceparent");
        Assert.NotNull(traceparent);
        Assert.Contains(validation.TraceId.ToString(), traceparent);

        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        var requests = Assert.Single(TelemetryCapture.Points(metrics, Metrics.Requests, (Tags.Route, "otel"), (Tags.Policy, "(default)"), (Tags.Decision, "allow")));
        Assert.Equal(1, requests.GetSumLong());
        var duration = Assert.Single(TelemetryCapture.Points(metrics, Metrics.RequestDuration, (Tags.Route, "otel"), (Tags.Decision, "allow")));
        Assert.Equal(1, duration.GetHistogramCount());
        Assert.NotEmpty(TelemetryCapture.Points(metrics, Metrics.KeyCacheLookups, (Tags.Issuer, "otel"), (Tags.CacheLevel, "memory"), (Tags.CacheResult, "hit")));
        Assert.Empty(TelemetryCapture.Points(metrics, Metrics.ValidationFailures, (Tags.Route, "otel")));
    }

    public static TheoryData<string, string> Refusals() => new()
    {
        { "missing", "missing" },
        { "expired", "expired" },
        { "not-yet-valid", "not_yet_valid" },
        { "tampered", "bad_signature" },
        { "unknown-kid", "unknown_kid" },
        { "wrong-audience", "wrong_audience" },
        { "unknown-issuer", "unknown_issuer" },
        { "malformed", "malformed" },
        { "alg-none", "disallowed_algorithm" },
        { "too-large", "too_large" },
        { "no-exp", "missing_expiration" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Unauthorized_RecordsReason_OnSpans_AndMetrics(string kind, string reason)
    {
        var token = RefusedToken(kind);
        var response = await _gateway.Client.GetWithTokenAsync("/otel/x", null, r =>
        {
            if (token is not null)
            {
                r.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
            }
        });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        var server = await _telemetry.WaitForSpanAsync("Microsoft.AspNetCore.Hosting.HttpRequestIn", s => Tag(s, Tags.Route) == "otel");
        Assert.Equal("unauthorized", Tag(server, Tags.Decision));
        Assert.Equal(reason, Tag(server, Tags.Reason));
        Assert.Null(Tag(server, Tags.Subject));
        if (token is not null)
        {
            var validation = await _telemetry.WaitForSpanAsync(Spans.TokenValidation, s => s.TraceId == server.TraceId);
            Assert.Equal("invalid", Tag(validation, Tags.Outcome));
            Assert.Equal(reason, Tag(validation, Tags.Reason));
        }

        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.Requests, (Tags.Route, "otel"), (Tags.Decision, "unauthorized"))).GetSumLong());
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.ValidationFailures, (Tags.Route, "otel"), (Tags.Reason, reason))).GetSumLong());
        AssertNoSecrets(token, metrics);
        Assert.Contains(_gateway.Logs.Lines, l => l.EventId == EventIds.AccessLog && l.Message.Contains("decision=unauthorized", StringComparison.Ordinal) && l.Message.Contains("reason=" + reason, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Forbidden_RecordsPolicyOutcome()
    {
        var token = Token();
        var response = await _gateway.Client.GetWithTokenAsync("/otel-admin/x", token);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        var policy = await _telemetry.WaitForSpanAsync(Spans.PolicyDecision, s => Tag(s, Tags.Policy) == "otel-admin");
        Assert.Equal("policy_not_satisfied", Tag(policy, Tags.Outcome));
        var server = await ServerSpanAsync(policy.TraceId);
        Assert.Equal("forbidden", Tag(server, Tags.Decision));
        Assert.Equal("policy_not_satisfied", Tag(server, Tags.Reason));

        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.Requests, (Tags.Route, "otel-admin"), (Tags.Policy, "otel-admin"), (Tags.Decision, "forbidden"))).GetSumLong());
        Assert.Empty(TelemetryCapture.Points(metrics, Metrics.ValidationFailures, (Tags.Route, "otel-admin")));
        AssertNoSecrets(token, metrics);
    }

    [Fact]
    public async Task RequestGuardRefusals_AreCountedByReason()
    {
        var baseAddress = _gateway.Client.BaseAddress!;
        Assert.Equal(400, (await RawHttp.SendAsync(baseAddress, "GET /otel;x/orders HTTP/1.1\nHost: t\nConnection: close\n")).Status);
        Assert.Equal(400, (await RawHttp.SendAsync(baseAddress, "GET /otel/orders HTTP/1.1\nHost: a..b\nConnection: close\n")).Status);
        Assert.Equal(405, (await RawHttp.SendAsync(baseAddress, "TRACE /otel/orders HTTP/1.1\nHost: t\nConnection: close\n")).Status);

        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        foreach (var reason in new[] { "path_parameters", "invalid_host", "method_not_forwarded" })
        {
            Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.RequestsRefused, (Tags.Reason, reason))).GetSumLong());
        }

        Assert.Empty(TelemetryCapture.Points(metrics, Metrics.Requests, (Tags.Route, "otel")));
        Assert.Empty(_fixture.Downstream.Received);
    }

    [Fact]
    public async Task Anonymous_RecordsDecision()
    {
        Assert.Equal(HttpStatusCode.OK, (await _gateway.Client.GetAsync("/otel-public/x")).StatusCode);
        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.Requests, (Tags.Route, "otel-public"), (Tags.Policy, "otel-public"), (Tags.Decision, "anonymous"))).GetSumLong());
    }

    [Fact]
    public async Task UnknownKid_RecordsKeyLoadSpan_AndIdentityProviderFetchMetrics()
    {
        var token = Idp.Mint(key: TestIdentityProvider.CreateUnpublishedRsaKey("otel-unknown"));
        Assert.Equal(HttpStatusCode.Unauthorized, (await _gateway.Client.GetWithTokenAsync("/otel/x", token)).StatusCode);

        var load = await _telemetry.WaitForSpanAsync(Spans.KeyLoad, s => Tag(s, Tags.Issuer) == "otel" && Tag(s, Tags.LoadReason) == "UnknownKid");
        Assert.Equal("idp", Tag(load, Tags.KeySource));
        Assert.Equal("success", Tag(load, Tags.Outcome));
        var validation = await _telemetry.WaitForSpanAsync(Spans.TokenValidation, s => s.TraceId == load.TraceId);
        Assert.Equal(validation.SpanId, load.ParentSpanId);

        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        Assert.True(TelemetryCapture.Points(metrics, Metrics.IdpFetches, (Tags.Issuer, "otel"), (Tags.Outcome, "success")).Sum(p => p.GetSumLong()) >= 1);
        Assert.True(TelemetryCapture.Points(metrics, Metrics.IdpFetchDuration, (Tags.Issuer, "otel"), (Tags.Outcome, "success")).Sum(p => p.GetHistogramCount()) >= 1);
        Assert.NotEmpty(TelemetryCapture.Points(metrics, Metrics.KeyCacheLookups, (Tags.Issuer, "otel"), (Tags.CacheLevel, "memory")));
        Assert.Empty(TelemetryCapture.Points(metrics, Metrics.KeyCacheLookups, (Tags.Issuer, "otel"), (Tags.CacheLevel, "redis"))); // no Redis configured
    }

    [Fact]
    public async Task KeyGauges_ReportAgeAndPresencePerIssuer()
    {
        await _gateway.WaitUntilReadyAsync();
        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        var age = Assert.Single(TelemetryCapture.Points(metrics, Metrics.KeyAge, (Tags.Issuer, "otel")));
        Assert.InRange(age.GetGaugeLastValueDouble(), 0, 60);
        Assert.Equal(1, Assert.Single(TelemetryCapture.Points(metrics, Metrics.KeysLoaded, (Tags.Issuer, "otel"))).GetGaugeLastValueLong());
        Assert.Empty(TelemetryCapture.Points(metrics, Metrics.RedisAvailable)); // no Redis configured: no such series from this gateway
    }

    [Fact]
    public async Task NoTokenOrClaimValue_InAnySpanMetricOrLogLine_SubjectOnlyWhenEnabled()
    {
        await _gateway.DisposeAsync();
        _gateway = await StartAsync(includeSubject: false);
        var tokens = new[]
        {
            Token(),
            RefusedToken("expired")!,
            RefusedToken("tampered")!,
            RefusedToken("unknown-kid")!,
            RefusedToken("wrong-audience")!,
        };
        foreach (var token in tokens)
        {
            await _gateway.Client.GetWithTokenAsync("/otel/x", token);
            await _gateway.Client.GetWithTokenAsync("/otel-admin/x", token);
        }

        await _telemetry.WaitForSpanAsync("Microsoft.AspNetCore.Hosting.HttpRequestIn", s => Tag(s, Tags.Route) == "otel-admin" && Tag(s, Tags.Reason) == "wrong_audience");
        var metrics = _telemetry.CollectMetrics(_gateway.Services);
        foreach (var token in tokens)
        {
            AssertNoSecrets(token, metrics);
        }

        var everything = AllTexts(metrics);
        Assert.DoesNotContain(everything, t => t.Contains("alice", StringComparison.Ordinal));
        Assert.Contains(_gateway.Logs.Lines, l => l.EventId == EventIds.AccessLog && l.Message.Contains("decision=allow", StringComparison.Ordinal) && l.Message.Contains("subject=-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AccessLog_OneLinePerRequest_WithRoutePolicyDecisionStatusAndSubject()
    {
        await _gateway.Client.GetWithTokenAsync("/otel/orders?secret=query", Token());
        await _gateway.Client.GetWithTokenAsync("/otel-admin/x", Token());

        var lines = _gateway.Logs.Lines.Where(l => l.EventId == EventIds.AccessLog).Select(l => l.Message).ToList();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("GET /otel/orders 200 ", lines[0]);
        Assert.Contains("route=otel policy=(default) decision=allow reason=none issuer=otel subject=alice", lines[0]);
        Assert.DoesNotContain("secret=query", lines[0]); // the query string (where tokens may travel) is never logged
        Assert.StartsWith("GET /otel-admin/x 403 ", lines[1]);
        Assert.Contains("route=otel-admin policy=otel-admin decision=forbidden reason=policy_not_satisfied", lines[1]);
        Assert.All(_gateway.Logs.Lines.Where(l => l.EventId == EventIds.AccessLog), l => Assert.Equal(GatewayDiagnostics.AccessLogCategory, l.Category));
    }

    [Fact]
    public async Task AccessLog_IsOffByDefault()
    {
        await _gateway.DisposeAsync();
        var config = Config(includeSubject: false);
        config["Gateway"]!.AsObject().Remove("Observability");
        _gateway = await GatewayInstance.StartAsync(config, _telemetry.Configure);
        await _gateway.Client.GetWithTokenAsync("/otel/x", Token());
        Assert.Equal(0, _gateway.Logs.Count(EventIds.AccessLog));
    }

    private Task<GatewayInstance> StartAsync(bool includeSubject) => GatewayInstance.StartAsync(Config(includeSubject), _telemetry.Configure);

    private JsonObject Config(bool includeSubject)
    {
        var config = _fixture.Config();
        var issuers = config.Gateway["Issuers"]!.AsObject();
        var issuer = issuers["test"]!.DeepClone();
        issuers.Remove("test");
        issuers["otel"] = issuer;
        config.Routes.Remove("api");
        config.Policy("otel-admin", new JsonObject { ["Roles"] = new JsonArray("admin") })
            .Policy("otel-public", new JsonObject { ["Anonymous"] = true })
            .Route("otel", null)
            .Route("otel-admin", "otel-admin")
            .Route("otel-public", "otel-public")
            .Set("Observability", new JsonObject { ["AccessLog"] = true, ["IncludeSubject"] = includeSubject });
        return config.Build();
    }

    private Task<Activity> ServerSpanAsync(ActivityTraceId traceId) =>
        _telemetry.WaitForSpanAsync("Microsoft.AspNetCore.Hosting.HttpRequestIn", s => s.TraceId == traceId && s.Kind == ActivityKind.Server);

    private string Token() => Idp.Mint(new Dictionary<string, object?> { ["email"] = SecretClaimValue, ["scope"] = "orders:read" });

    private string? RefusedToken(string kind)
    {
        var now = DateTimeOffset.UtcNow;
        var extra = new Dictionary<string, object?> { ["email"] = SecretClaimValue };
        Dictionary<string, object?> With(string key, object? value) => new(extra) { [key] = value };
        return kind switch
        {
            "missing" => null,
            "expired" => Idp.Mint(new Dictionary<string, object?>(With("exp", now.AddSeconds(-120).ToUnixTimeSeconds())) { ["nbf"] = null, ["iat"] = now.AddMinutes(-10).ToUnixTimeSeconds() }),
            "not-yet-valid" => Idp.Mint(With("nbf", now.AddSeconds(120).ToUnixTimeSeconds())),
            "no-exp" => Idp.Mint(With("exp", null)),
            "tampered" => Tamper(Idp.Mint(extra)),
            "unknown-kid" => Idp.Mint(extra, key: TestIdentityProvider.CreateUnpublishedRsaKey("never-published")),
            "wrong-audience" => Idp.Mint(extra, audience: "someone-else"),
            "unknown-issuer" => Idp.Mint(With("iss", "https://evil.example")),
            "malformed" => "not-a-token.at-all.really!",
            "alg-none" => RawJwt.Encode(new { alg = "none", typ = "JWT" }, new { iss = Idp.Issuer, aud = "api", sub = "alice", email = SecretClaimValue, exp = now.AddMinutes(5).ToUnixTimeSeconds() }),
            "too-large" => Idp.Mint(With("padding", new string('a', 9000))),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }

    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        using var payload = JsonDocument.Parse(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Decode(parts[1]));
        var changed = JsonSerializer.Deserialize<Dictionary<string, object>>(payload.RootElement.GetRawText())!;
        changed["sub"] = "admin";
        return $"{parts[0]}.{RawJwt.B64(JsonSerializer.Serialize(changed))}.{parts[2]}";
    }

    private static string? Tag(Activity span, string key) => span.GetTagItem(key)?.ToString();

    private List<string> AllTexts(IReadOnlyList<MetricSnapshot> metrics)
    {
        var texts = new List<string>();
        texts.AddRange(_telemetry.Spans.SelectMany(TelemetryCapture.SpanTexts));
        texts.AddRange(metrics.SelectMany(m => m.MetricPoints).SelectMany(p => TelemetryCapture.Tags(p).Select(t => t.Key + "=" + t.Value)));
        texts.AddRange(_gateway.Logs.Lines.Select(l => l.Message + " " + l.Exception));
        return texts;
    }

    // The token, each of its three parts, and claim values other than the subject appear nowhere.
    private void AssertNoSecrets(string? token, IReadOnlyList<MetricSnapshot> metrics)
    {
        var everything = AllTexts(metrics);
        Assert.DoesNotContain(everything, t => t.Contains(SecretClaimValue, StringComparison.Ordinal));
        if (token is null)
        {
            return;
        }

        var needles = token.Split('.').Where(p => p.Length >= 16).Append(token).ToList();
        foreach (var needle in needles)
        {
            Assert.DoesNotContain(everything, t => t.Contains(needle, StringComparison.Ordinal));
        }
    }
}
