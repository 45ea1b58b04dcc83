using Gateway.Configuration;
using Gateway.Hosting;

// One binary, three entry points: the gateway itself, `token` (development tokens) and `check-config`.
return await GatewayCommandLine.RunAsync(args, Console.Out, Console.Error, RunGatewayAsync);

static async Task<int> RunGatewayAsync(string[] args)
{
    try
    {
        await using var app = GatewayApplication.Build(args);
        await app.RunAsync();
        return 0;
    }
    catch (GatewayConfigurationException ex)
    {
        await Console.Error.WriteLineAsync(ex.Message);
        return 1;
    }
    catch (InvalidDataException ex)
    {
        // A configuration file that is not valid JSON: the provider names the file, line and position.
        await Console.Error.WriteLineAsync($"error: {ex.Message} {ex.InnerException?.Message}");
        return 1;
    }
    catch (IOException ex)
    {
        // No configuration found, or two files for one environment.
        await Console.Error.WriteLineAsync("error: " + ex.Message);
        return 1;
    }
}
