using System.Text.Json.Serialization;
using Lifeboat.Stack.Scenarios;
using Lifeboat.Stack.Verification;

namespace Lifeboat.Stack.State;

/// <summary>
/// Compile-time JSON contracts for the histories earlier versions kept as JSON files (imported into the state
/// database), the restore tests' problem lists in it, and verify's --json output: the command line is a Native AOT
/// binary, where reflection-based serialization is not available.
/// </summary>
[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(List<RestoreTestRecord>))]
[JsonSerializable(typeof(List<BackupRunRecord>))]
[JsonSerializable(typeof(IReadOnlyList<RestoreTestRecord>))]
[JsonSerializable(typeof(List<string>))]
public sealed partial class StateJsonContext : JsonSerializerContext;
