namespace Lifeboat.Stack.Configuration;

/// <summary>The checks that depend on this machine, made before anything is written.</summary>
public static class StackConfigValidator
{
    /// <summary>Every path of these apps exists; else an error naming the app, the path and its line.</summary>
    public static void RequirePathsExist(StackConfig config, IEnumerable<AppConfig> apps)
    {
        foreach (var app in apps)
        {
            for (int i = 0; i < app.Paths.Count; i++)
            {
                var path = app.Paths[i];
                if (Path.Exists(path) || new FileInfo(path).LinkTarget is not null) continue;
                int line = i < app.PathLines.Count ? app.PathLines[i] : app.Line;
                throw new StackConfigException(config.File, line, $"apps.{app.Name}.paths",
                    $"{path} of app {app.Name} does not exist; create it, or fix or remove the path");
            }
        }
    }
}
