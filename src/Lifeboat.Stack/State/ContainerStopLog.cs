using Microsoft.Data.Sqlite;

namespace Lifeboat.Stack.State;

/// <summary>
/// The containers Lifeboat processes have stopped and not yet started again, in the state database's
/// stopped_containers table: a row is written (durably) before the stop and deleted once the container runs again.
/// A row whose process has ended is a promise nobody will keep, a container left stopped by a killed Lifeboat; the
/// next run finds it there and starts the container (<see cref="Scenarios.StoppedContainerRecovery"/>).
/// </summary>
public sealed class ContainerStopLog(StateDatabase database)
{
    public StateDatabase Database { get; } = database;

    /// <summary>Records, before it is stopped, that <paramref name="process"/> stops the container and will start it again.</summary>
    public void Add(string docker, string app, string container, ProcessIdentity process, DateTimeOffset at)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO stopped_containers (docker, app, container, pid, process_start, boot_id, stopped_ms)
            VALUES ($docker, $app, $container, $pid, $start, $boot, $at)
            """;
        command.Parameters.AddWithValue("$docker", docker);
        command.Parameters.AddWithValue("$app", app);
        command.Parameters.AddWithValue("$container", container);
        command.Parameters.AddWithValue("$pid", process.Pid);
        command.Parameters.AddWithValue("$start", process.StartTicks);
        command.Parameters.AddWithValue("$boot", process.BootId);
        command.Parameters.AddWithValue("$at", at.ToUnixTimeMilliseconds());
        command.ExecuteNonQuery();
    }

    /// <summary>Forgets <paramref name="process"/>'s records of the container: it runs again, or the process leaves it stopped on purpose.</summary>
    public void Remove(string docker, string container, ProcessIdentity process)
    {
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            DELETE FROM stopped_containers
            WHERE docker = $docker AND container = $container AND pid = $pid AND process_start = $start AND boot_id = $boot
            """;
        command.Parameters.AddWithValue("$docker", docker);
        command.Parameters.AddWithValue("$container", container);
        command.Parameters.AddWithValue("$pid", process.Pid);
        command.Parameters.AddWithValue("$start", process.StartTicks);
        command.Parameters.AddWithValue("$boot", process.BootId);
        command.ExecuteNonQuery();
    }

    /// <summary>Forgets the records of these IDs.</summary>
    public void Remove(IEnumerable<long> ids)
    {
        using var connection = Database.Open();
        using var transaction = connection.BeginTransaction();
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM stopped_containers WHERE id = $id";
        var id = command.Parameters.AddWithValue("$id", 0L);
        foreach (long value in ids)
        {
            id.Value = value;
            command.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    /// <summary>
    /// Every record, oldest first; none, and no database created, when the state database does not exist yet (a
    /// command that stops nothing need not make one).
    /// </summary>
    public IReadOnlyList<StoppedContainerRecord> List()
    {
        if (!File.Exists(Database.FilePath)) return [];
        using var connection = Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, docker, app, container, pid, process_start, boot_id, stopped_ms FROM stopped_containers ORDER BY id";
        using var reader = command.ExecuteReader();
        var records = new List<StoppedContainerRecord>();
        while (reader.Read())
        {
            records.Add(new StoppedContainerRecord(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                new ProcessIdentity(reader.GetInt32(4), reader.GetInt64(5), reader.GetString(6)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7))));
        }
        return records;
    }
}
