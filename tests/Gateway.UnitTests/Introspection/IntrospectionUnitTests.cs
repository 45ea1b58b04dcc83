using System.Text;
using System.Text.Json.Nodes;
using Gateway.Configuration;
using Gateway.Introspection;
using Gateway.Tokens;

namespace Gateway.UnitTests.Introspection;

/// <summary>The pure parts of introspection on a manual clock: answer shape, verdict and its cache lifetime, the memory cache, token syntax.</summary>
public sealed class IntrospectionUnitTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 3, 0, 0, TimeSpan.Zero);

    private static IntrospectionSettings Settings(TimeSpan? skew = null, bool validateAudience = true) => new(
        "opaque",
        new IssuerOptions
        {
            Issuer = "https://as.example.com",
            Audiences = ["api"],
            ValidateAudience = validateAudience,
            ClockSkew = skew ?? TimeSpan.Zero,
            Introspection = new IntrospectionOptions { Endpoint = "https://as.example.com/introspect", ClientId = "gateway", ClientSecret = "s" },
        },
        "https://as.example.com",
        "s");

    private static IntrospectionAnswer Answer(string json) => IntrospectionAnswer.TryRead(Encoding.UTF8.GetBytes(json)) ?? throw new InvalidOperationException("not an answer");

    private static long At(TimeSpan offset) => (Now + offset).ToUnixTimeSeconds();

    [Theory]
    [InlineData("{\"active\":\"true\"}")]
    [InlineData("{\"active\":1}")]
    [InlineData("{\"scope\":\"read\"}")]
    [InlineData("[{\"active\":true}]")]
    [InlineData("{\"active\":true,\"sub\":\"\\ud800\"}")]
    [InlineData("not json")]
    public void Answer_WithoutABooleanActive_OrUnreadable_IsMalformed(string json) =>
        Assert.Null(IntrospectionAnswer.TryRead(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void InactiveAnswer_KeepsNothingElse()
    {
        var answer = Answer("{\"active\":false,\"sub\":\"alice\"}");

        Assert.False(answer.Active);
        Assert.Same(IntrospectionAnswer.Inactive, answer);
    }

    [Fact]
    public void ActiveAnswer_IsCachedUntilExp_WhenExpComesBeforeTheMaximum()
    {
        var (outcome, until) = IntrospectionVerdict.Judge(Answer($"{{\"active\":true,\"sub\":\"a\",\"aud\":\"api\",\"exp\":{At(TimeSpan.FromSeconds(20))}}}"), Settings(), Now);

        Assert.True(outcome.IsValid);
        Assert.Equal("a", outcome.Claims!.Subject);
        Assert.Equal(Now.AddSeconds(20), until);
    }

    [Fact]
    public void ActiveAnswer_IsCachedForTheMaximum_WithoutExpOrWithALaterOne()
    {
        Assert.Equal(Now.AddSeconds(60), IntrospectionVerdict.Judge(Answer("{\"active\":true,\"aud\":[\"x\",\"api\"]}"), Settings(), Now).CacheUntil);
        Assert.Equal(Now.AddSeconds(60), IntrospectionVerdict.Judge(Answer($"{{\"active\":true,\"aud\":\"api\",\"exp\":{At(TimeSpan.FromHours(1))}}}"), Settings(), Now).CacheUntil);
    }

    [Fact]
    public void InactiveAnswer_Is401Inactive_CachedForTheInactiveDuration()
    {
        var (outcome, until) = IntrospectionVerdict.Judge(IntrospectionAnswer.Inactive, Settings(), Now);

        Assert.Equal(TokenStatus.Inactive, outcome.Status);
        Assert.Equal("opaque", outcome.IssuerName);
        Assert.Equal(Now.AddSeconds(10), until);
    }

    public static TheoryData<string, object> Refusals() => new()
    {
        { $"{{\"active\":true,\"aud\":\"api\",\"exp\":{At(TimeSpan.FromSeconds(-1))}}}", TokenStatus.Expired },
        { "{\"active\":true,\"aud\":\"api\",\"exp\":\"tomorrow\"}", TokenStatus.Malformed },
        { $"{{\"active\":true,\"aud\":\"api\",\"nbf\":{At(TimeSpan.FromMinutes(1))}}}", TokenStatus.NotYetValid },
        { "{\"active\":true,\"aud\":\"api\",\"iss\":\"https://other.example.com\"}", TokenStatus.WrongIssuer },
        { "{\"active\":true,\"aud\":\"other\"}", TokenStatus.WrongAudience },
        { "{\"active\":true}", TokenStatus.WrongAudience },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void ActiveAnswer_IsStillCheckedLikeAJwt(string json, object expected)
    {
        var (outcome, until) = IntrospectionVerdict.Judge(Answer(json), Settings(), Now);

        Assert.Equal((TokenStatus)expected, outcome.Status);
        Assert.Equal(Now.AddSeconds(10), until);
    }

    [Fact]
    public void ClockSkew_AcceptsAJustExpiredAnswer_ButNeverCachesIt()
    {
        var (outcome, until) = IntrospectionVerdict.Judge(Answer($"{{\"active\":true,\"aud\":\"api\",\"exp\":{At(TimeSpan.FromSeconds(-5))}}}"), Settings(skew: TimeSpan.FromSeconds(30)), Now);

        Assert.True(outcome.IsValid);
        Assert.True(until <= Now);
    }

    [Fact]
    public void WithoutAudienceValidation_AnAnswerWithoutAudPasses() =>
        Assert.True(IntrospectionVerdict.Judge(Answer("{\"active\":true}"), Settings(validateAudience: false), Now).Outcome.IsValid);

    [Fact]
    public void MemoryCache_ServesUntilItsTime_AndNeverGrowsPastItsBound()
    {
        var clock = new ManualClock(Now);
        var cache = new IntrospectionCache(2, clock);
        var outcome = TokenValidationOutcome.Failure(TokenStatus.Inactive, "opaque");
        TokenHash.TryCompute("a", out var a);
        TokenHash.TryCompute("b", out var b);
        TokenHash.TryCompute("c", out var c);

        cache.Add(a, outcome, Now.AddSeconds(10));
        cache.Add(b, outcome, Now.AddSeconds(20));
        cache.Add(c, outcome, Now.AddSeconds(30)); // full: not remembered
        Assert.True(cache.TryGet(a, out _));
        Assert.False(cache.TryGet(c, out _));
        Assert.Equal(2, cache.Count);

        clock.Now = Now.AddSeconds(10);
        Assert.False(cache.TryGet(a, out _)); // at its time exactly: gone
        cache.Add(c, outcome, Now.AddSeconds(30));
        Assert.True(cache.TryGet(c, out _));
        Assert.True(cache.Count <= 2);

        cache.Add(a, outcome, Now.AddSeconds(5)); // already past: never stored
        Assert.False(cache.TryGet(a, out _));
    }

    [Theory]
    [InlineData("2YotnFZFEjr1zCsicMWpAA", true)]
    [InlineData("mF_9.B5f-4.1JqM", true)]
    [InlineData("abc+/~==", true)]
    [InlineData("abc=def", false)]
    [InlineData("=abc", false)]
    [InlineData("a b", false)]
    [InlineData("a%20b", false)]
    [InlineData("tökén", false)]
    [InlineData("", false)]
    public void OnlyRfc6750B64Tokens_AreSentToTheAuthorizationServer(string token, bool sent) =>
        Assert.Equal(sent, TokenIntrospector.IsB64Token(token));

    [Fact]
    public void Settings_NeverPrintTheSecret() =>
        Assert.DoesNotContain("s3cr3t", new IntrospectionSettings("opaque", new IssuerOptions { Issuer = "i", Introspection = new IntrospectionOptions { Endpoint = "https://x", ClientId = "g" } }, "i", "s3cr3t").ToString(), StringComparison.Ordinal);

    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
