namespace Lifeboat.Dashboard;

/// <summary>A request the browser made that cannot be answered, with the HTTP status that says why.</summary>
public sealed class BrowseException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
