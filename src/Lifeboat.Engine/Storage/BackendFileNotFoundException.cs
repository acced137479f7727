namespace Lifeboat.Engine.Storage;

public sealed class BackendFileNotFoundException(FileType type, string name, string location)
    : BackendException(BackendErrorKind.NotFound, $"{BackendPaths.Describe(type, name)} not found in repository {location}")
{
    public FileType FileType { get; } = type;
    public string Name { get; } = name;
}
