using System.Diagnostics;
using Lifeboat.Engine.Backup;

namespace Lifeboat.Stack.Scenarios;

/// <summary>The app a stack backup is working on, its archiver's live statistics, and how long it has run.</summary>
public sealed record StackBackupProgress(string App, BackupStatistics Statistics, Stopwatch Clock);
