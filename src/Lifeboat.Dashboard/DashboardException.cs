namespace Lifeboat.Dashboard;

/// <summary>A problem of the dashboard's settings a user can fix, in one line (a front end shows its message alone).</summary>
public sealed class DashboardException(string message) : Exception(message);
