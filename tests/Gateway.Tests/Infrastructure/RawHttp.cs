using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>Sends a request exactly as written (repeated headers, odd casing) over a plain socket and returns the raw response head and body.</summary>
public static class RawHttp
{
    public static async Task<RawResponse> SendAsync(Uri baseAddress, string requestHead)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port);
        await using var stream = client.GetStream();
        var bytes = Encoding.ASCII.GetBytes(requestHead.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n");
        await stream.WriteAsync(bytes);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var memory = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            memory.Write(buffer, 0, read);
        }

        var text = Encoding.UTF8.GetString(memory.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var head = split < 0 ? text : text[..split];
        // A connection closed without any answer is status 0.
        var status = head.Length == 0 ? 0 : int.Parse(head.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        return new RawResponse(status, head, split < 0 ? "" : text[(split + 4)..]);
    }
}

public sealed record RawResponse(int Status, string Head, string Body);
