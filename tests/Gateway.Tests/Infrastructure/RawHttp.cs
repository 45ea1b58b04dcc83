using System.Net.Sockets;
using System.Text;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Sends a request exactly as written (repeated headers, odd casing) over a plain socket and returns the raw response
/// head and body. Only the head (up to the first blank line) is written with <c>\n</c> for line ends, turned into
/// CRLF; the body after it is sent byte for byte, so a chunked body or a stray CR/LF is what the test wrote.
/// </summary>
public static class RawHttp
{
    public static Task<RawResponse> SendAsync(Uri baseAddress, string request)
    {
        var split = request.IndexOf("\n\n", StringComparison.Ordinal);
        var head = split < 0 ? request : request[..(split + 1)];
        var body = split < 0 ? "" : request[(split + 2)..];
        var bytes = Encoding.ASCII.GetBytes(head.Replace("\n", "\r\n", StringComparison.Ordinal) + "\r\n" + body);
        return SendBytesAsync(baseAddress, bytes);
    }

    /// <summary>Sends <paramref name="bytes"/> unchanged.</summary>
    public static async Task<RawResponse> SendBytesAsync(Uri baseAddress, byte[] bytes)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(bytes);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var memory = new MemoryStream();
        var buffer = new byte[8192];
        int read;
        try
        {
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                await memory.WriteAsync(buffer.AsMemory(0, read), timeout.Token);
            }
        }
        catch (IOException) when (memory.Length > 0)
        {
            // The server answered, then reset the connection (it refused the rest of what we sent): the answer counts.
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
