using System.Net;
using Lifeboat.Stack;
using Lifeboat.Stack.Configuration;
using Lifeboat.TestSupport;

namespace Lifeboat.Dashboard.Tests;

/// <summary>The password file, the dashboard: section of lifeboat.yaml and the start-up rules, without a browser.</summary>
public sealed class DashboardStartupTests : IDisposable
{
    private readonly TempDirectory _temp = new("lifeboat-dashboard-startup");

    [Fact]
    public void A_hash_matches_its_password_only_and_keeps_no_password()
    {
        var line = PasswordHash.Create("a dashboard password", iterations: 10_000);
        Assert.StartsWith("pbkdf2-sha256$10000$", line);
        Assert.DoesNotContain("a dashboard password", line);
        var hash = PasswordHash.Parse(line, out var problem)!;
        Assert.Null(problem);
        Assert.True(hash.Matches("a dashboard password"));
        Assert.False(hash.Matches("a dashboard passwore"));
        Assert.False(hash.Matches(""));
        // the same password twice: two salts, two lines
        Assert.NotEqual(line, PasswordHash.Create("a dashboard password", iterations: 10_000));
    }

    [Theory]
    [InlineData("the password itself")]
    [InlineData("pbkdf2-sha256$100$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
    [InlineData("pbkdf2-sha256$600000$not base64$AAAA")]
    public void A_file_that_does_not_hold_a_hash_is_refused_with_the_command_that_makes_one(string line)
    {
        var file = _temp.Combine("dashboard.hash");
        File.WriteAllText(file, line + "\n");
        var e = Assert.Throws<DashboardException>(() => PasswordHash.Load(file));
        Assert.Contains(file, e.Message);
        Assert.Contains("lifeboat dashboard hash-password", e.Message);
    }

    [Fact]
    public void The_dashboard_section_names_files_relative_to_the_config()
    {
        var config = Load("dashboard:\n  password-file: dashboard.hash\n  tls-cert: tls/cert.pem\n  tls-key: tls/key.pem\n");
        Assert.Equal(_temp.Combine("dashboard.hash"), config.Dashboard.PasswordFile);
        Assert.Equal(_temp.Combine("tls/cert.pem"), config.Dashboard.TlsCertificate);
        Assert.Equal(_temp.Combine("tls/key.pem"), config.Dashboard.TlsKey);
        Assert.Null(Load("").Dashboard.PasswordFile);
    }

    [Theory]
    [InlineData("dashboard:\n  password: secret\n", ":5: key \"dashboard.password\": is not a known key; valid keys are password-file, tls-cert, tls-key")]
    [InlineData("dashboard:\n  tls-cert: cert.pem\n", ":4: key \"dashboard\": tls-cert and tls-key go together")]
    public void A_wrong_dashboard_section_is_refused_with_its_line(string section, string message)
    {
        var e = Assert.Throws<StackConfigException>(() => Load(section));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Beyond_loopback_a_password_is_required_and_on_loopback_it_is_not()
    {
        var open = Load("");
        var refused = Assert.Throws<DashboardException>(() => DashboardStartup.Prepare(open, IPEndPoint.Parse("0.0.0.0:8420")));
        Assert.StartsWith("refusing to serve the dashboard on 0.0.0.0:8420 without a password", refused.Message);
        Assert.Throws<DashboardException>(() => DashboardStartup.Prepare(open, IPEndPoint.Parse("[::]:8420")));
        Assert.Throws<DashboardException>(() => DashboardStartup.Prepare(open, IPEndPoint.Parse("192.168.1.20:8420")));
        Assert.Null(DashboardStartup.Prepare(open, IPEndPoint.Parse("127.0.0.1:8420")).Password);
        Assert.Null(DashboardStartup.Prepare(open, IPEndPoint.Parse("[::1]:8420")).Password);

        File.WriteAllText(_temp.Combine("dashboard.hash"), PasswordHash.Create("a dashboard password", iterations: 10_000) + "\n");
        var (password, certificate) = DashboardStartup.Prepare(Load("dashboard:\n  password-file: dashboard.hash\n"), IPEndPoint.Parse("0.0.0.0:8420"));
        Assert.True(password!.Matches("a dashboard password"));
        Assert.Null(certificate);
    }

    private StackConfig Load(string dashboard)
    {
        Directory.CreateDirectory(_temp.Combine("data"));
        var path = _temp.Combine("lifeboat.yaml");
        File.WriteAllText(path, $"repository: {_temp.Combine("repo")}\napps:\n  app: {{ paths: [{_temp.Combine("data")}] }}\n" + dashboard);
        return StackConfigLoader.Load(path, "host");
    }

    public void Dispose() => _temp.Dispose();
}
