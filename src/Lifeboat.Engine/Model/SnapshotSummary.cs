using System.Buffers;
using System.Text.Json;

namespace Lifeboat.Engine.Model;

/// <summary>restic 0.17+'s snapshot "summary" (backup statistics). restic 0.14 ignores it; kept for round trips.</summary>
public sealed class SnapshotSummary
{
    public GoTime BackupStart { get; set; }
    public GoTime BackupEnd { get; set; }
    public ulong FilesNew { get; set; }
    public ulong FilesChanged { get; set; }
    public ulong FilesUnmodified { get; set; }
    public ulong DirsNew { get; set; }
    public ulong DirsChanged { get; set; }
    public ulong DirsUnmodified { get; set; }
    public long DataBlobs { get; set; }
    public long TreeBlobs { get; set; }
    public ulong DataAdded { get; set; }
    public ulong DataAddedPacked { get; set; }
    public ulong TotalFilesProcessed { get; set; }
    public ulong TotalBytesProcessed { get; set; }
    public List<RawJsonField>? ExtraFields { get; set; }

    /// <summary>As restic writes it: every member, none omitted.</summary>
    public void WriteJson(IBufferWriter<byte> w)
    {
        w.Write("{\"backup_start\":"u8); GoJson.WriteTime(w, BackupStart);
        w.Write(",\"backup_end\":"u8); GoJson.WriteTime(w, BackupEnd);
        w.Write(",\"files_new\":"u8); GoJson.WriteNumber(w, FilesNew);
        w.Write(",\"files_changed\":"u8); GoJson.WriteNumber(w, FilesChanged);
        w.Write(",\"files_unmodified\":"u8); GoJson.WriteNumber(w, FilesUnmodified);
        w.Write(",\"dirs_new\":"u8); GoJson.WriteNumber(w, DirsNew);
        w.Write(",\"dirs_changed\":"u8); GoJson.WriteNumber(w, DirsChanged);
        w.Write(",\"dirs_unmodified\":"u8); GoJson.WriteNumber(w, DirsUnmodified);
        w.Write(",\"data_blobs\":"u8); GoJson.WriteNumber(w, DataBlobs);
        w.Write(",\"tree_blobs\":"u8); GoJson.WriteNumber(w, TreeBlobs);
        w.Write(",\"data_added\":"u8); GoJson.WriteNumber(w, DataAdded);
        w.Write(",\"data_added_packed\":"u8); GoJson.WriteNumber(w, DataAddedPacked);
        w.Write(",\"total_files_processed\":"u8); GoJson.WriteNumber(w, TotalFilesProcessed);
        w.Write(",\"total_bytes_processed\":"u8); GoJson.WriteNumber(w, TotalBytesProcessed);
        if (ExtraFields is not null)
            foreach (var f in ExtraFields) Node.WriteExtra(w, f);
        GoJson.WriteByte(w, (byte)'}');
    }

    internal static SnapshotSummary? Read(ref Utf8JsonReader r, ReadOnlySpan<byte> json)
    {
        if (r.TokenType == JsonTokenType.Null) return null;
        JsonInput.Expect(ref r, JsonTokenType.StartObject, "summary");
        var s = new SnapshotSummary();
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var key = r.ValueIsEscaped ? JsonInput.Unescape(r.ValueSpan) : r.ValueSpan;
            if (JsonInput.KeyIs(key, "backup_start"u8)) { r.Read(); s.BackupStart = JsonInput.GetTime(ref r, "summary.backup_start", s.BackupStart); }
            else if (JsonInput.KeyIs(key, "backup_end"u8)) { r.Read(); s.BackupEnd = JsonInput.GetTime(ref r, "summary.backup_end", s.BackupEnd); }
            else if (JsonInput.KeyIs(key, "files_new"u8)) { r.Read(); s.FilesNew = JsonInput.GetUInt64(ref r, "summary.files_new", s.FilesNew); }
            else if (JsonInput.KeyIs(key, "files_changed"u8)) { r.Read(); s.FilesChanged = JsonInput.GetUInt64(ref r, "summary.files_changed", s.FilesChanged); }
            else if (JsonInput.KeyIs(key, "files_unmodified"u8)) { r.Read(); s.FilesUnmodified = JsonInput.GetUInt64(ref r, "summary.files_unmodified", s.FilesUnmodified); }
            else if (JsonInput.KeyIs(key, "dirs_new"u8)) { r.Read(); s.DirsNew = JsonInput.GetUInt64(ref r, "summary.dirs_new", s.DirsNew); }
            else if (JsonInput.KeyIs(key, "dirs_changed"u8)) { r.Read(); s.DirsChanged = JsonInput.GetUInt64(ref r, "summary.dirs_changed", s.DirsChanged); }
            else if (JsonInput.KeyIs(key, "dirs_unmodified"u8)) { r.Read(); s.DirsUnmodified = JsonInput.GetUInt64(ref r, "summary.dirs_unmodified", s.DirsUnmodified); }
            else if (JsonInput.KeyIs(key, "data_blobs"u8)) { r.Read(); s.DataBlobs = JsonInput.GetInt64(ref r, "summary.data_blobs", s.DataBlobs); }
            else if (JsonInput.KeyIs(key, "tree_blobs"u8)) { r.Read(); s.TreeBlobs = JsonInput.GetInt64(ref r, "summary.tree_blobs", s.TreeBlobs); }
            else if (JsonInput.KeyIs(key, "data_added"u8)) { r.Read(); s.DataAdded = JsonInput.GetUInt64(ref r, "summary.data_added", s.DataAdded); }
            else if (JsonInput.KeyIs(key, "data_added_packed"u8)) { r.Read(); s.DataAddedPacked = JsonInput.GetUInt64(ref r, "summary.data_added_packed", s.DataAddedPacked); }
            else if (JsonInput.KeyIs(key, "total_files_processed"u8)) { r.Read(); s.TotalFilesProcessed = JsonInput.GetUInt64(ref r, "summary.total_files_processed", s.TotalFilesProcessed); }
            else if (JsonInput.KeyIs(key, "total_bytes_processed"u8)) { r.Read(); s.TotalBytesProcessed = JsonInput.GetUInt64(ref r, "summary.total_bytes_processed", s.TotalBytesProcessed); }
            else (s.ExtraFields ??= []).Add(JsonInput.CaptureUnknown(ref r, json));
        }
        return s;
    }
}
