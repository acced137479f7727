using Lifeboat.Stack.Hosting;

namespace Lifeboat.Dashboard;

/// <summary>What the dashboard is served with: the stack it shows, how it reaches the repository, and who may see it.</summary>
public sealed record DashboardSettings
{
    /// <summary>The lifeboat.yaml shown (a full path); read again for each overview, so an edited file shows at once.</summary>
    public required string ConfigPath { get; init; }
    /// <summary>Opens the repository with the caller's rules (an option or the environment wins over the config).</summary>
    public required RepositoryAccess Access { get; init; }
    /// <summary>The snapshot host when the config names none.</summary>
    public required string DefaultHost { get; init; }
    /// <summary>Null: no password; then the page answers only on loopback and to loopback host names.</summary>
    public PasswordHash? Password { get; init; }
    /// <summary>Served over HTTPS: the session cookie is then Secure.</summary>
    public bool Https { get; init; }
    /// <summary>Where "back up now" queues its job and job events come from; null: the page offers no actions.</summary>
    public DashboardJobs? Jobs { get; init; }
}
