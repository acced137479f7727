using System.CommandLine;
using Lifeboat.Engine.Maintenance;
using Lifeboat.Engine.Repository;

namespace Lifeboat.Cli.Commands;

/// <summary>forget's --keep-* flags as restic names them, and the policy they describe.</summary>
public sealed class ForgetPolicyOptionSet
{
    private readonly Option<int> _last = new("--keep-last", "-l") { Description = "keep the last n snapshots" };
    private readonly Option<int> _hourly = new("--keep-hourly", "-H") { Description = "keep the last n hourly snapshots" };
    private readonly Option<int> _daily = new("--keep-daily", "-d") { Description = "keep the last n daily snapshots" };
    private readonly Option<int> _weekly = new("--keep-weekly", "-w") { Description = "keep the last n weekly snapshots" };
    private readonly Option<int> _monthly = new("--keep-monthly", "-m") { Description = "keep the last n monthly snapshots" };
    private readonly Option<int> _yearly = new("--keep-yearly", "-y") { Description = "keep the last n yearly snapshots" };
    private readonly Option<string?> _within = new("--keep-within") { Description = "keep snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
    private readonly Option<string?> _withinHourly = new("--keep-within-hourly") { Description = "keep hourly snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
    private readonly Option<string?> _withinDaily = new("--keep-within-daily") { Description = "keep daily snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
    private readonly Option<string?> _withinWeekly = new("--keep-within-weekly") { Description = "keep weekly snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
    private readonly Option<string?> _withinMonthly = new("--keep-within-monthly") { Description = "keep monthly snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
    private readonly Option<string?> _withinYearly = new("--keep-within-yearly") { Description = "keep yearly snapshots that are newer than duration (eg. 1y5m7d2h) relative to the latest snapshot" };
    private readonly Option<string[]> _keepTag = new("--keep-tag") { Description = "keep snapshots with this taglist (can be specified multiple times)" };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _last, _hourly, _daily, _weekly, _monthly, _yearly, _within, _withinHourly, _withinDaily, _withinWeekly, _withinMonthly, _withinYearly, _keepTag })
            command.Options.Add(option);
    }

    /// <summary>The policy the flags describe (empty when none was given).</summary>
    public ForgetPolicy Get(ParseResult parse)
    {
        RetentionDuration Duration(Option<string?> option)
        {
            var text = parse.GetValue(option);
            if (string.IsNullOrEmpty(text)) return default;
            try { return RetentionDuration.Parse(text); }
            catch (FormatException e) { throw new CliException($"invalid argument \"{text}\" for \"{option.Name}\" flag: {e.Message}"); }
        }
        return new ForgetPolicy
        {
            Last = parse.GetValue(_last), Hourly = parse.GetValue(_hourly), Daily = parse.GetValue(_daily),
            Weekly = parse.GetValue(_weekly), Monthly = parse.GetValue(_monthly), Yearly = parse.GetValue(_yearly),
            Within = Duration(_within), WithinHourly = Duration(_withinHourly), WithinDaily = Duration(_withinDaily),
            WithinWeekly = Duration(_withinWeekly), WithinMonthly = Duration(_withinMonthly), WithinYearly = Duration(_withinYearly),
            Tags = SnapshotFilter.ParseTags(parse.GetValue(_keepTag) ?? []),
        };
    }
}
