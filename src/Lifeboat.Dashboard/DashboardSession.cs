namespace Lifeboat.Dashboard;

/// <summary>One browser's session: its CSRF token (sent back in a header on every POST) and whether it has logged in.</summary>
public sealed class DashboardSession(string id, string csrfToken, bool authenticated, DateTimeOffset now)
{
    public string Id { get; } = id;
    public string CsrfToken { get; } = csrfToken;
    public bool Authenticated { get; } = authenticated;
    public DateTimeOffset LastSeen { get; set; } = now;
}
