using YamlDotNet.RepresentationModel;

namespace Lifeboat.Stack.Configuration;

/// <summary>dashboard: password-file, tls-cert, tls-key (paths relative to the file's directory).</summary>
public sealed partial class StackConfigParser
{
    private static readonly string[] DashboardKeys = ["password-file", "tls-cert", "tls-key"];

    private DashboardConfig ParseDashboard(YamlNode node, int line)
    {
        var dashboard = new DashboardConfig();
        foreach (var (keyNode, value) in Mapping(node, "dashboard").Children)
        {
            var key = KeyName(keyNode, "dashboard");
            var full = $"dashboard.{key}";
            var path = Path.GetFullPath(NonEmptyText(value, full), _directory);
            dashboard = key switch
            {
                "password-file" => dashboard with { PasswordFile = path },
                "tls-cert" => dashboard with { TlsCertificate = path },
                "tls-key" => dashboard with { TlsKey = path },
                _ => throw Error(LineOf(keyNode.Start), full, $"is not a known key; valid keys are {string.Join(", ", DashboardKeys)}"),
            };
        }
        if ((dashboard.TlsCertificate is null) != (dashboard.TlsKey is null))
            throw Error(line, "dashboard", "tls-cert and tls-key go together: name both (a PEM certificate and its key) or neither");
        return dashboard;
    }
}
