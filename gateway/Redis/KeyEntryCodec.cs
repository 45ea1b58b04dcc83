using System.Text.Json;
using Gateway.Keys;

namespace Gateway.Redis;

/// <summary>
/// The signed form of a shared key entry: <c>{"V":1,"Payload":"&lt;json&gt;","Mac":"&lt;base64 HMAC-SHA256&gt;"}</c>, the payload
/// holding the issuer, the source, the fetch time, the max-age and the JWKS. An entry opens only when its MAC checks out
/// under the fleet's integrity key <em>and</em> it names the issuer and source it was read for, so an entry can neither be
/// forged nor moved to another issuer or URL.
/// </summary>
internal sealed class KeyEntryCodec
{
    private readonly KeyEntryProtector _protector;

    public KeyEntryCodec(KeyEntryProtector protector) => _protector = protector;

    public string Seal(string issuerName, string sourceAddress, KeyDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var payload = JsonSerializer.Serialize(new EntryPayload(
            issuerName, sourceAddress, document.FetchedAt.ToUnixTimeMilliseconds(), (long?)document.MaxAge?.TotalSeconds, document.JwksJson));
        return JsonSerializer.Serialize(new Envelope(1, payload, _protector.Sign(payload)));
    }

    /// <summary>The entry's document, or null when it is not a signed entry of this issuer and source (tampered, forged, moved, or malformed).</summary>
    public KeyDocument? Open(string issuerName, string sourceAddress, string text)
    {
        try
        {
            var envelope = JsonSerializer.Deserialize<Envelope>(text);
            if (envelope?.Payload is { } payloadText && _protector.Verify(payloadText, envelope.Mac))
            {
                var payload = JsonSerializer.Deserialize<EntryPayload>(payloadText);
                if (payload is not null && payload.Issuer == issuerName && payload.Source == sourceAddress && !string.IsNullOrEmpty(payload.Jwks))
                {
                    return new KeyDocument(
                        payload.Jwks,
                        DateTimeOffset.FromUnixTimeMilliseconds(payload.FetchedAtMs),
                        payload.MaxAgeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null);
                }
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }

    private sealed record Envelope(int V, string Payload, string Mac);

    // DiscoveredIssuer, written by earlier versions, is ignored when read (the discovery document's issuer is checked when
    // it is fetched; nothing used the copy).
    private sealed record EntryPayload(string Issuer, string Source, long FetchedAtMs, long? MaxAgeSeconds, string Jwks);
}
