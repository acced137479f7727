namespace Lifeboat.Stack.Containers;

/// <summary>
/// What Docker says about an app's containers, looked at without changing anything: for the doctor, for a backup
/// that does not stop them, and for rebuild's last line. When Docker cannot be asked, <see cref="Unreachable"/> says
/// why (one line) and <see cref="States"/> is empty.
/// </summary>
public sealed record ContainerSurvey(IReadOnlyList<ContainerState> States, string? Unreachable)
{
    /// <summary>Inspects each of <paramref name="names"/>; the control is made here, so that a bad DOCKER_HOST is a survey that could not be taken, too.</summary>
    public static async Task<ContainerSurvey> TakeAsync(Func<IContainerControl> control, IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        var states = new List<ContainerState>(names.Count);
        try
        {
            var docker = control();
            foreach (var name in names.Distinct(StringComparer.Ordinal))
                states.Add(await docker.InspectAsync(name, cancellationToken).ConfigureAwait(false));
        }
        catch (ContainerControlException e)
        {
            return new ContainerSurvey([], OneLine(e.Message));
        }
        return new ContainerSurvey(states, null);
    }

    public IReadOnlyList<string> Missing => States.Where(s => !s.Exists).Select(s => s.Name).ToList();
    public IReadOnlyList<string> Running => States.Where(s => s.Exists && s.Running).Select(s => s.Name).ToList();
    public IReadOnlyList<string> Stopped => States.Where(s => s.Exists && !s.Running).Select(s => s.Name).ToList();

    /// <summary>"container radarr" or "containers radarr, db".</summary>
    public static string Containers(IReadOnlyCollection<string> names) =>
        $"container{(names.Count == 1 ? "" : "s")} {string.Join(", ", names)}";

    private static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
