using Lifeboat.Engine.Maintenance;

namespace Lifeboat.Stack.Configuration;

/// <summary>A parsed lifeboat.yaml. It never holds a secret: the password comes from a file or a command.</summary>
public sealed record StackConfig
{
    /// <summary>The file it was read from, as given (used in error messages).</summary>
    public required string File { get; init; }
    /// <summary>A repository location the engine accepts; a relative local path is resolved against the config's directory.</summary>
    public required string Repository { get; init; }
    public string? PasswordFile { get; init; }
    public string? PasswordCommand { get; init; }
    /// <summary>An environment file (KEY=VALUE lines, mode 0600) with the storage credentials: AWS_ACCESS_KEY_ID, RESTIC_REST_PASSWORD, ...</summary>
    public string? CredentialsFile { get; init; }
    /// <summary>The second repository that every backup run's new snapshots are copied to; null when there is none.</summary>
    public OffsiteConfig? Offsite { get; init; }
    public required string Host { get; init; }
    /// <summary>In the order of the file.</summary>
    public required IReadOnlyList<AppConfig> Apps { get; init; }
    /// <summary>Absolute, cleaned paths that no snapshot ever contains.</summary>
    public IReadOnlyList<string> Never { get; init; } = [];
    /// <summary>auto, off or max; null when not set.</summary>
    public string? Compression { get; init; }
    /// <summary>In MiB; null when not set.</summary>
    public int? PackSizeMiB { get; init; }
    /// <summary>The forget policy of every app that has none of its own; null when not set.</summary>
    public ForgetPolicy? Retention { get; init; }
    /// <summary>The thresholds of the doctor's checklist.</summary>
    public DoctorSettings Doctor { get; init; } = new();
    /// <summary>What the daemon runs when; null when the file has no schedule: section.</summary>
    public ScheduleConfig? Schedule { get; init; }
    /// <summary>Where job starts and ends are reported (notify:), in the order of the file.</summary>
    public IReadOnlyList<NotifyTarget> Notify { get; init; } = [];
    /// <summary>The commands run once around every backup and restore (hooks:).</summary>
    public HookSet Hooks { get; init; } = HookSet.None;
    /// <summary>The dashboard's password and certificate (dashboard:).</summary>
    public DashboardConfig Dashboard { get; init; } = new();

    /// <summary>The app's own policy, else the stack's, else null (forget has nothing to apply).</summary>
    public ForgetPolicy? RetentionFor(AppConfig app) => app.Retention ?? Retention;

    public AppConfig? FindApp(string name) => Apps.FirstOrDefault(a => a.Name == name);

    /// <summary>The named apps (all when none is named), or an error listing the known ones.</summary>
    public IReadOnlyList<AppConfig> SelectApps(IReadOnlyCollection<string> names)
    {
        if (names.Count == 0) return Apps;
        var selected = new List<AppConfig>();
        foreach (var name in names.Distinct())
            selected.Add(FindApp(name) ?? throw new StackException(
                $"there is no app \"{name}\" in {File}; known apps: {string.Join(", ", Apps.Select(a => a.Name))}"));
        return selected;
    }
}
