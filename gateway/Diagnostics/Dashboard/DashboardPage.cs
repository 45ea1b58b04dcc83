using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Diagnostics.Dashboard;

/// <summary>
/// The dashboard's HTML, rendered on the server from the same state document the page then polls
/// (<see cref="DashboardState"/>): readable without JavaScript; <c>dashboard.js</c> refreshes the live parts in place
/// and drives the explain form. Every value is HTML-encoded; the page loads no inline script or style (the
/// Content-Security-Policy forbids them).
/// </summary>
internal static class DashboardPage
{
    public static string Render(JsonElement state)
    {
        var html = new StringBuilder(8192);
        html.Append("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Gateway dashboard</title>
            <link rel="stylesheet" href="/dashboard/dashboard.css">
            <script src="/dashboard/dashboard.js" defer></script>
            </head>
            <body>
            <header><h1>Gateway dashboard</h1><span id="status" class="muted">live</span></header>
            <main>
            """);

        var configuration = state.GetProperty("configuration");
        html.Append("<section id=\"configuration\"><h2>Configuration</h2><dl>");
        Term(html, "Generation", configuration.GetProperty("generation").GetRawText(), "config-generation");
        Term(html, "Loaded at", configuration.GetProperty("loadedAt").GetString(), "config-loaded");
        Term(html, "Environment", configuration.GetProperty("environment").GetString(), null);
        html.Append("</dl><div id=\"config-rejected\">");
        if (configuration.TryGetProperty("lastRejected", out var rejected))
        {
            html.Append("<p class=\"bad\">Last rejected reload at ").Append(Encode(rejected.GetProperty("at").GetString())).Append(":</p><ul>");
            foreach (var error in rejected.GetProperty("errors").EnumerateArray())
            {
                html.Append("<li><code>").Append(Encode(error.GetString())).Append("</code></li>");
            }

            html.Append("</ul>");
        }
        else
        {
            html.Append("<p class=\"muted\">No reload rejected since the start.</p>");
        }

        html.Append("</div></section>");

        html.Append("<section><h2>Request decisions <span class=\"muted\" id=\"counting-since\"></span></h2>")
            .Append("<table id=\"decisions\"><thead><tr><th>Decision</th><th>Reason</th><th class=\"num\">Count</th></tr></thead><tbody>");
        foreach (var row in state.GetProperty("decisions").EnumerateArray())
        {
            html.Append("<tr><td>").Append(Encode(row.GetProperty("decision").GetString())).Append("</td><td>")
                .Append(Encode(row.GetProperty("reason").GetString())).Append("</td><td class=\"num\">")
                .Append(row.GetProperty("count").GetInt64().ToString(CultureInfo.InvariantCulture)).Append("</td></tr>");
        }

        html.Append("</tbody></table></section>");

        html.Append("<section><h2>Shadow policies</h2><table id=\"shadow\"><thead><tr><th>Route</th><th>Shadow policy</th><th>Would</th><th>Enforced</th><th class=\"num\">Count</th></tr></thead><tbody>");
        foreach (var row in state.GetProperty("shadow").EnumerateArray())
        {
            html.Append(row.GetProperty("disagrees").GetBoolean() ? "<tr class=\"disagree\">" : "<tr>");
            foreach (var name in new[] { "route", "policy", "shadow", "enforced" })
            {
                html.Append("<td>").Append(Encode(row.GetProperty(name).GetString())).Append("</td>");
            }

            html.Append("<td class=\"num\">").Append(row.GetProperty("count").GetInt64().ToString(CultureInfo.InvariantCulture)).Append("</td></tr>");
        }

        html.Append("</tbody></table><h3>Recent disagreements</h3><table id=\"disagreements\"><thead><tr><th>At</th><th>Route</th><th>Shadow policy</th><th>Would</th><th>Enforced</th><th>Failed requirement</th><th>Trace id</th></tr></thead><tbody></tbody></table></section>");

        html.Append("<section><h2>Routes</h2><table id=\"routes\"><thead><tr><th>Route</th><th>Path</th><th>Hosts</th><th>Methods</th><th>Policy</th><th>Shadow policy</th><th>Issuers</th><th>Claim headers</th></tr></thead><tbody>");
        foreach (var route in state.GetProperty("routes").EnumerateArray())
        {
            html.Append("<tr><td>").Append(Encode(route.GetProperty("id").GetString())).Append("</td>");
            foreach (var name in new[] { "path", "hosts", "methods", "policy" })
            {
                html.Append("<td>").Append(Encode(route.GetProperty(name).GetString())).Append("</td>");
            }

            html.Append("<td>").Append(Encode(route.GetProperty("shadowPolicy").GetString() ?? "")).Append("</td><td>")
                .Append(Encode(route.GetProperty("issuers").GetString())).Append("</td><td>");
            foreach (var header in route.GetProperty("claimHeaders").EnumerateArray())
            {
                html.Append("<div><code>").Append(Encode(header.GetProperty("header").GetString())).Append("</code> ← ")
                    .Append(Encode(header.GetProperty("claim").GetString())).Append(" <span class=\"muted\">(")
                    .Append(Encode(header.GetProperty("issuer").GetString())).Append(")</span></div>");
            }

            html.Append("</td></tr>");
        }

        html.Append("</tbody></table></section>");

        html.Append("<section><h2>Issuers</h2><table id=\"issuers\"><thead><tr><th>Issuer</th><th>iss</th><th class=\"num\">Keys</th><th class=\"num\">Key age (s)</th><th>Source</th><th>Staleness</th><th>Last error</th></tr></thead><tbody>");
        foreach (var issuer in state.GetProperty("issuers").EnumerateArray())
        {
            html.Append("<tr><td>").Append(Encode(issuer.GetProperty("name").GetString())).Append("</td><td>")
                .Append(Encode(issuer.GetProperty("issuer").GetString())).Append("</td><td class=\"num\">")
                .Append(Encode(Optional(issuer, "keyCount"))).Append("</td><td class=\"num\">")
                .Append(Encode(Optional(issuer, "keyAgeSeconds"))).Append("</td><td>")
                .Append(Encode(Optional(issuer, "source"))).Append("</td><td>")
                .Append(Encode(issuer.GetProperty("keysLoaded").GetBoolean() ? Optional(issuer, "staleness") : "not loaded")).Append("</td><td>")
                .Append(Encode(Optional(issuer, "lastError"))).Append("</td></tr>");
        }

        html.Append("</tbody></table></section>");

        var redis = state.GetProperty("redis");
        html.Append("<section><h2>Redis</h2><p id=\"redis\">").Append(Encode(redis.GetProperty("state").GetString())).Append("</p></section>");

        html.Append("""
            <section id="explain-section"><h2>Explain a request</h2>
            <p class="muted">The token is sent to this management listener only, judged like a live request, and never logged or stored.</p>
            <form id="explain-form">
            <div class="row"><label>Method <select name="method"><option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option><option>HEAD</option><option>OPTIONS</option></select></label>
            <label class="grow">URL <input name="url" required placeholder="https://api.example.com/orders/1 or /orders/1"></label></div>
            <label>Token <textarea name="token" rows="3" autocomplete="off" spellcheck="false" placeholder="eyJ..."></textarea></label>
            <label>or claims JSON (what-if, nothing validated) <textarea name="claims" rows="2" spellcheck="false" placeholder='{"sub":"alice","roles":["admin"]}'></textarea></label>
            <button type="submit">Explain</button>
            </form>
            <div id="explain-result" aria-live="polite"></div>
            </section>
            </main>
            </body>
            </html>
            """);
        return html.ToString();
    }

    private static void Term(StringBuilder html, string term, string? value, string? id)
    {
        html.Append("<dt>").Append(term).Append("</dt><dd");
        if (id is not null)
        {
            html.Append(" id=\"").Append(id).Append('"');
        }

        html.Append('>').Append(Encode(value)).Append("</dd>");
    }

    private static string Optional(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText() : "";

    private static string Encode(string? value) => HtmlEncoder.Default.Encode(value ?? "");
}
