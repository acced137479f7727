using Lifeboat.Engine.Storage;
using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Verification;

/// <summary>What the doctor needs from its caller: the config file and the caller's rules for passwords and backends.</summary>
public sealed record DoctorOptions
{
    /// <summary>The lifeboat.yaml to check, as given (shown in messages).</summary>
    public required string ConfigPath { get; init; }
    /// <summary>The snapshot host when the config names none.</summary>
    public required string DefaultHost { get; init; }
    /// <summary>
    /// The password that opens the repository, by the caller's rules (an option or the environment wins over the
    /// config); throws with a one-line message when there is none.
    /// </summary>
    public required Func<StackConfig, string> Password { get; init; }
    /// <summary>The backend for a repository location, with the storage credentials of a credentials file (or null).</summary>
    public required Func<string, string?, IBackend> OpenBackend { get; init; }
    /// <summary>The offsite repository's password by the caller's rules; null: the primary's.</summary>
    public Func<StackConfig, string>? OffsitePassword { get; init; }
    /// <summary>Where restore tests and backup runs are recorded; null: <see cref="State.StateDirectory.Default"/>.</summary>
    public string? StateDirectory { get; init; }
    /// <summary>The Docker the apps' containers are looked up in; null: <see cref="Scenarios.StackServices.ContainerControlFactory"/>.</summary>
    public Func<Containers.IContainerControl>? ContainerControl { get; init; }
    /// <summary>The moment ages are measured from.</summary>
    public DateTimeOffset Now { get; init; } = DateTimeOffset.Now;
}
