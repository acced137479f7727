using Lifeboat.Stack.Configuration;
using Lifeboat.TestSupport;

namespace Lifeboat.Stack.Tests;

public sealed class PasswordFileTests : IDisposable
{
    private readonly TempDirectory _temp = new("lifeboat-password-file");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Creates_a_private_random_password_and_its_directory()
    {
        var path = _temp.Combine("secrets/password");
        var password = PasswordFile.CreateRandom(path);
        Assert.Equal(32, Convert.FromBase64String(password).Length);
        Assert.Equal(password + "\n", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_temp.Combine("secrets")));
        Assert.NotEqual(password, PasswordFile.CreateRandom(_temp.Combine("secrets/other")));
    }

    [Fact]
    public void Never_replaces_an_existing_file_and_leaves_nothing_behind()
    {
        var path = _temp.Combine("password");
        File.WriteAllText(path, "the old one\n");
        Assert.ThrowsAny<IOException>(() => PasswordFile.CreateRandom(path));
        Assert.Equal("the old one\n", File.ReadAllText(path));
        Assert.Equal(["password"], Directory.GetFiles(_temp.Path).Select(Path.GetFileName).ToArray());
    }
}
