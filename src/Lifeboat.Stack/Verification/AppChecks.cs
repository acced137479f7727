using Lifeboat.Engine.Model;
using Lifeboat.Stack.Configuration;
using Lifeboat.Stack.Scenarios;

namespace Lifeboat.Stack.Verification;

/// <summary>
/// Per app: the newest backup (a snapshot tagged app:NAME of the config's host) is younger than doctor.backup-max-age,
/// complete (not tagged partial) and not followed by a failed run; the newest restore test is younger than
/// doctor.restore-test-max-age and passed.
/// </summary>
public sealed class AppChecks(StackConfig config, string repositoryId, IReadOnlyList<Snapshot> snapshots, string? stateDirectory, DateTimeOffset now)
{
    // only this config's runs: a one-off config's failures at the same repository are not this stack's
    private readonly BackupRunLog _runs = new(repositoryId, stateDirectory) { ConfigFile = config.File };
    private readonly RestoreTestLog _tests = new(repositoryId, stateDirectory);

    public DoctorCheck Backup(AppConfig app)
    {
        var limit = config.Doctor.BackupMaxAge;
        var fix = $"run lifeboat backup {app.Name}";
        var newest = snapshots.Where(s => s.HasTag(app.Tag) && s.Hostname == config.Host).MaxBy(s => s.Time.ToDateTimeOffset());
        BackupRunRecord? lastRun;
        try
        {
            lastRun = _runs.Latest(app.Name);
        }
        catch (StackException e)
        {
            return DoctorCheck.Fail(DoctorCheck.Backup, app.Name, $"{e.Message}", "move the file aside");
        }

        var findings = new List<(DoctorStatus, string, string?)>();
        if (newest is null)
            findings.Add((DoctorStatus.Fail, $"no backup yet (no snapshot tagged {app.Tag} of host {config.Host})", fix));
        else
        {
            var time = newest.Time.ToDateTimeOffset();
            var age = now - time;
            var what = $"snapshot {newest.Id.ToShortString()} of {DoctorFormat.Time(time)}";
            if (age > limit)
                findings.Add((DoctorStatus.Fail, $"newest backup is {DoctorFormat.Age(age)} old ({what}; limit {DoctorFormat.Limit(limit)})", fix));
            if (newest.HasTag(StackBackup.PartialTag))
                findings.Add((DoctorStatus.Warn, $"newest backup ({what}) is partial: some files could not be read and are not in it",
                    $"see the errors of that backup (lifeboat backup {app.Name} names each file), make the files readable or exclude them, then run lifeboat backup {app.Name}"));
        }
        // a failed run leaves no snapshot: only the run history tells that the newest snapshot is the last good one
        if (lastRun is { Outcome: BackupRunRecord.Failed } && (newest is null || lastRun.Time > newest.Time.ToDateTimeOffset()))
            findings.Add((DoctorStatus.Fail, $"the last backup run ({DoctorFormat.Time(lastRun.Time)}, {DoctorFormat.Age(now - lastRun.Time)} ago) failed: {lastRun.Error}", fix));
        if (findings.Count > 0) return DoctorCheck.Combine(DoctorCheck.Backup, app.Name, findings);

        var ok = newest!;
        return DoctorCheck.Pass(DoctorCheck.Backup, app.Name,
            $"newest backup is {DoctorFormat.Age(now - ok.Time.ToDateTimeOffset())} old (snapshot {ok.Id.ToShortString()}; limit {DoctorFormat.Limit(limit)}), complete");
    }

    public DoctorCheck RestoreTest(AppConfig app) => RestoreTest(app, DoctorCheck.RestoreTest, $"run lifeboat verify {app.Name}");

    /// <summary>The restore test of the app in the offsite repository (these checks made with the offsite's ID).</summary>
    public DoctorCheck OffsiteRestoreTest(AppConfig app) => RestoreTest(app, DoctorCheck.OffsiteRestoreTest, $"run lifeboat verify --offsite-only {app.Name}");

    private DoctorCheck RestoreTest(AppConfig app, string check, string fix)
    {
        var limit = config.Doctor.RestoreTestMaxAge;
        RestoreTestRecord? latest;
        try
        {
            latest = _tests.Latest(app.Name);
        }
        catch (StackException e)
        {
            return DoctorCheck.Fail(check, app.Name, $"{e.Message}", "move the file aside, then " + fix);
        }
        if (latest is null)
            return DoctorCheck.Fail(check, app.Name, $"no restore test recorded on this machine", fix);
        var age = now - latest.Time;
        var findings = new List<(DoctorStatus, string, string?)>();
        if (!latest.Passed)
        {
            var problems = latest.Problems.Count == 0 ? "" : $": {latest.Problems[0]}{(latest.Problems.Count > 1 ? $" (and {latest.Problems.Count - 1} more)" : "")}";
            findings.Add((DoctorStatus.Fail, $"the last restore test ({DoctorFormat.Time(latest.Time)}, snapshot {Short(latest.SnapshotId)}) failed{problems}",
                $"find out why (the problems name the files), then {fix}"));
        }
        if (age > limit)
            findings.Add((DoctorStatus.Fail, $"the last restore test is {DoctorFormat.Age(age)} old (limit {DoctorFormat.Limit(limit)})", fix));
        if (findings.Count > 0) return DoctorCheck.Combine(check, app.Name, findings);
        return DoctorCheck.Pass(check, app.Name,
            $"restore test passed {DoctorFormat.Age(age)} ago (snapshot {Short(latest.SnapshotId)}; limit {DoctorFormat.Limit(limit)})");
    }

    private static string Short(string id) => id.Length > 8 ? id[..8] : id;
}
