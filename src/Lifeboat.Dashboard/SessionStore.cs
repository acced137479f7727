using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Lifeboat.Dashboard;

/// <summary>
/// Sessions in memory (a restart logs everyone out): random 256-bit IDs and CSRF tokens, forgotten after
/// <see cref="IdleLimit"/> without a request; bounded, so that a flood of cookie-less requests cannot fill memory.
/// </summary>
public sealed class SessionStore(TimeProvider time)
{
    public static readonly TimeSpan IdleLimit = TimeSpan.FromHours(12);
    private const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, DashboardSession> _sessions = new(StringComparer.Ordinal);

    /// <summary>The live session of that ID, or null.</summary>
    public DashboardSession? Find(string? id)
    {
        if (id is null || !_sessions.TryGetValue(id, out var session)) return null;
        var now = time.GetUtcNow();
        if (now - session.LastSeen > IdleLimit)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }
        session.LastSeen = now;
        return session;
    }

    /// <summary>A new session; <paramref name="replacing"/> (the one before a login) ends, so an ID known before the login is worthless after it.</summary>
    public DashboardSession Create(bool authenticated, DashboardSession? replacing = null)
    {
        if (replacing is not null) _sessions.TryRemove(replacing.Id, out _);
        if (_sessions.Count >= MaxSessions) Evict();
        var session = new DashboardSession(Token(), Token(), authenticated, time.GetUtcNow());
        _sessions[session.Id] = session;
        return session;
    }

    public void End(DashboardSession session) => _sessions.TryRemove(session.Id, out _);

    /// <summary>Drops idle sessions, then, if still full, the anonymous ones (a logged-in user is not thrown out by a flood).</summary>
    private void Evict()
    {
        var now = time.GetUtcNow();
        foreach (var (id, session) in _sessions)
            if (now - session.LastSeen > IdleLimit) _sessions.TryRemove(id, out _);
        if (_sessions.Count < MaxSessions) return;
        foreach (var (id, session) in _sessions)
            if (!session.Authenticated) _sessions.TryRemove(id, out _);
    }

    private static string Token() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
