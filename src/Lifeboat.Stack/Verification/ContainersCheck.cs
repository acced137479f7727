using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Containers;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// Per app that names containers: each exists, is running, and together they mount the app's paths (so the names
/// and the paths describe the same app). Docker not reachable is a skip, not a failure: the backups may not need it.
/// </summary>
public static class ContainersCheck
{
    public static DoctorCheck Run(AppConfig app, ContainerSurvey survey, string configFile)
    {
        var all = ContainerSurvey.Containers(app.Containers);
        if (survey.Unreachable is { } why)
            return DoctorCheck.Skip(DoctorCheck.Containers, app.Name, $"{all} not checked: {why}");

        var findings = new List<(DoctorStatus, string, string?)>();
        if (survey.Missing is { Count: > 0 } missing)
            findings.Add((DoctorStatus.Fail, $"{ContainerSurvey.Containers(missing)} not found: Docker has no container of {(missing.Count == 1 ? "that name" : "those names")}",
                $"create {(missing.Count == 1 ? "it" : "them")} (e.g. docker compose up -d) or correct apps.{app.Name}.containers in {configFile} (docker ps -a lists the containers there are)"));
        if (survey.Stopped is { Count: > 0 } stopped)
            findings.Add((DoctorStatus.Warn, $"{ContainerSurvey.Containers(stopped)} {(stopped.Count == 1 ? "is" : "are")} not running (a backup leaves {(stopped.Count == 1 ? "it" : "them")} stopped)",
                $"start {(stopped.Count == 1 ? "it" : "them")} if {app.Name} should be up: docker start {string.Join(' ', stopped)}"));
        var existing = survey.States.Where(s => s.Exists).ToList();
        var unmounted = existing.Count == 0 || existing.Any(s => s.MountSources is null) ? []
            : app.Paths.Where(path => !existing.Any(s => s.MountSources!.Any(source => Related(path, source)))).ToList();
        if (unmounted.Count > 0)
            findings.Add((DoctorStatus.Warn,
                $"{ContainerSurvey.Containers(existing.Select(s => s.Name).ToList())} mount{(existing.Count == 1 ? "s" : "")} nothing at or around {string.Join(", ", unmounted)}: the containers and the paths may not be the same app's",
                $"compare apps.{app.Name} in {configFile} with docker inspect -f '{{{{json .Mounts}}}}' {existing[0].Name} (with Lifeboat in a container, mount the app's paths at the same paths as on the host)"));
        if (findings.Count > 0) return DoctorCheck.Combine(DoctorCheck.Containers, app.Name, findings);
        return DoctorCheck.Pass(DoctorCheck.Containers, app.Name,
            $"{all} {(app.Containers.Count == 1 ? "exists, is running and mounts" : "exist, are running and mount")} {string.Join(", ", app.Paths)}");
    }

    /// <summary>A mount serves an app path when one lies inside the other (a mounted parent, or a mounted subfolder).</summary>
    private static bool Related(string path, string source)
    {
        var trimmed = source.Length > 1 ? source.TrimEnd('/') : source;
        return StackRestore.IsInside(path, trimmed) || StackRestore.IsInside(trimmed, path);
    }
}
