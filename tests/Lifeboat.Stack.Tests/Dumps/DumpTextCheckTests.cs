using System.Text;
using Lifeboat.Stack.Dumps;

namespace Lifeboat.Stack.Tests.Dumps;

/// <summary>verify's textual check of SQL dumps: the tool's header at the start, its completion line at the end.</summary>
public sealed class DumpTextCheckTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Body(int lines) => string.Concat(Enumerable.Range(0, lines).Select(i => $"INSERT INTO t VALUES ({i}, 'ünïcödé {i}');\n"));

    private const string PgDumpAll = "--\n-- PostgreSQL database cluster dump\n--\n\nSET default_transaction_read_only = off;\n";
    private const string PgDumpAllEnd = "\n--\n-- PostgreSQL database cluster dump complete\n--\n\n";
    // mariadb-dump 10.11.8 and later put a sandbox-mode comment before its header
    private const string MariaDb = "/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19  Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)\n--\n-- Host: localhost    Database: nextcloud\n";
    private const string MariaDbEnd = "/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;\n\n-- Dump completed on 2026-12-05  9:01:02\n";

    private static Task<string?> Check(string text, DumpFileFormat format) =>
        DumpTextCheck.CheckAsync(new MemoryStream(Encoding.UTF8.GetBytes(text)), format, Ct);

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(50_000)] // megabytes: the header and the end are far apart, across many reads
    public async Task WholeDumpsPass(int lines)
    {
        Assert.Null(await Check(PgDumpAll + Body(lines) + PgDumpAllEnd, DumpFileFormat.PostgresAll));
        Assert.Null(await Check(MariaDb + Body(lines) + MariaDbEnd, DumpFileFormat.MariaDbDatabase));
        Assert.Null(await Check(MariaDb.Replace("MariaDB dump", "MySQL dump") + Body(lines) + MariaDbEnd, DumpFileFormat.MariaDbAll));
    }

    [Fact]
    public async Task ADumpCutShortFails()
    {
        var whole = PgDumpAll + Body(50_000) + PgDumpAllEnd;
        Assert.Contains("cut short", await Check(whole[..(whole.Length / 2)], DumpFileFormat.PostgresAll));
        Assert.Contains("cut short", await Check(whole[..^20], DumpFileFormat.PostgresAll));
        var mariadb = MariaDb + Body(1000) + MariaDbEnd;
        Assert.Contains("cut short: its end lacks mariadb-dump's \"-- Dump completed on ...\"", await Check(mariadb[..^(MariaDbEnd.Length + 3)], DumpFileFormat.MariaDbDatabase));
    }

    [Fact]
    public async Task AFileThatIsNotTheToolsOutputOrIsEmptyFails()
    {
        Assert.Contains("does not start as pg_dumpall's output does", await Check(MariaDb + Body(3) + PgDumpAllEnd, DumpFileFormat.PostgresAll));
        Assert.Contains("does not start as mariadb-dump's output does", await Check(PgDumpAll + Body(3) + MariaDbEnd, DumpFileFormat.MariaDbDatabase));
        Assert.Equal("it is empty", await Check("", DumpFileFormat.PostgresAll));
    }
}
