using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using Lifeboat.Cli.Rendering;

namespace Lifeboat.Cli.Commands;

public sealed class VersionCommand : ICommandFactory
{
    /// <summary>The version in Directory.Build.props, the same that <c>--version</c> prints.</summary>
    public static string Version { get; } =
        typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public Command Create(GlobalOptions global)
    {
        var command = new Command("version", "Print version information");
        command.SetAction((parse, ct) => Program.Run(() =>
        {
            var ctx = new CommandContext(global, parse);
            var arch = RuntimeInformation.OSArchitecture == Architecture.X64 ? "amd64" : RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
            if (ctx.Json)
                JsonOutput.Line(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("message_type", "version");
                    w.WriteString("version", Version);
                    w.WriteString("go_version", "n/a");
                    w.WriteString("runtime_version", RuntimeInformation.FrameworkDescription);
                    w.WriteString("go_os", "linux");
                    w.WriteString("go_arch", arch);
                    w.WriteEndObject();
                });
            else
                ctx.Out.WriteLine($"lifeboat {Version} (restic repository format 1 and 2) compiled with {RuntimeInformation.FrameworkDescription} on linux/{arch}");
            return Task.FromResult(ExitCodes.Ok);
        }, ct));
        return command;
    }
}
