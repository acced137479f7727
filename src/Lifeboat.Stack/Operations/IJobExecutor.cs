using Lifeboat.Stack.Configuration;

namespace Lifeboat.Stack.Operations;

/// <summary>Runs one job to its end. Cancelling it asks the job to stop cleanly (it still returns how it ended).</summary>
public interface IJobExecutor
{
    Task<JobExecution> RunAsync(ScheduledJob job, ScheduleConfig schedule, CancellationToken cancellationToken);
}
