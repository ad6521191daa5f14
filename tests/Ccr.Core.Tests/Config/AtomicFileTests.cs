using System.Text;
using Ccr.Core.Config;
using Ccr.Core.Tests.TestSupport;

namespace Ccr.Core.Tests.Config;

public class AtomicFileTests
{
    [Fact]
    public void Write_ReplacesTheContentAndLeavesNoTempFile()
    {
        using var folder = new TempFolder();
        string path = folder.Write("state.json", "old");

        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes("new"));

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Write_CopiesTheOldContentToTheBackupAndKeepsTheTarget()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", "old");

        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes("new"), path + ".bak");

        Assert.Equal("new", File.ReadAllText(path));
        Assert.Equal("old", File.ReadAllText(path + ".bak"));
    }

    [Fact]
    public void FailingWriter_LeavesTheTargetAsItWasAndNoTempFile()
    {
        using var folder = new TempFolder();
        string path = folder.Write("quota.json", "old");

        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("half"u8);
            throw new InvalidOperationException("writer failed");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void FailedBackup_LeavesTheTargetAndNoTempFile()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", "old");
        Directory.CreateDirectory(path + ".bak");
        File.WriteAllText(Path.Combine(path + ".bak", "keep"), "x");

        Assert.ThrowsAny<Exception>(() => AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes("new"), path + ".bak"));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void Write_CreatesAMissingTarget()
    {
        using var folder = new TempFolder();
        string path = folder.File("new.json");

        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes("{}"), path + ".bak");

        Assert.Equal("{}", File.ReadAllText(path));
        Assert.False(File.Exists(path + ".bak"));
    }

    [Fact]
    public void AReaderHoldingTheFileOpen_DoesNotBlockTheWriteAndKeepsReadingTheOldContent()
    {
        using var folder = new TempFolder();
        string path = folder.Write("config.json", "old");

        using (FileStream reader = AtomicFile.OpenRead(path))
        {
            AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes("new"), path + ".bak");

            // The open handle still reads the file it opened: the rename swapped names, not bytes.
            using var text = new StreamReader(reader);
            Assert.Equal("old", text.ReadToEnd());
        }

        Assert.Equal("new", File.ReadAllText(path));
    }

    [Fact]
    public async Task ConcurrentReaders_NeverSeeAMissingOrPartialFile()
    {
        using var folder = new TempFolder();
        string path = folder.Write("quota.json", new string('a', 64 * 1024));
        using var stop = new CancellationTokenSource();
        var seen = new List<string>();
        Task reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                string text = AtomicFile.ReadAllText(path);
                if (text.Length != 64 * 1024 || (text[0] != 'a' && text[0] != 'b') || text[^1] != text[0])
                {
                    lock (seen)
                    {
                        seen.Add(text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                }
            }
        });

        for (int i = 0; i < 200; i++)
        {
            AtomicFile.WriteAllBytes(path, Encoding.ASCII.GetBytes(new string(i % 2 == 0 ? 'b' : 'a', 64 * 1024)));
        }

        stop.Cancel();
        await reader.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Empty(seen);
        Assert.Single(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void OwnerOnly_CreatesAPrivateFileOnUnix()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // The Windows branch sets an owner-only ACL; file modes do not exist there.
        }

        using var folder = new TempFolder();
        string path = folder.Write("proxy.control", "old");
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));

        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes("token"), ownerOnly: true);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Null(FilePermissions.ReadableByOthers(path));
    }

    [Fact]
    public void WithoutOwnerOnly_TheTargetKeepsItsMode()
    {
        if (OperatingSystem.IsWindows())
        {
            return; // Unix modes; the Windows branch copies the ACL.
        }

        using var folder = new TempFolder();
        string path = folder.Write("config.json", "old");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes("new"));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void ReadAllText_HonoursAUtf16ByteOrderMark()
    {
        using var folder = new TempFolder();
        string path = folder.File("config.json");
        File.WriteAllText(path, "{ \"PORT\": 3456 } // é", new UnicodeEncoding(bigEndian: false, byteOrderMark: true));

        Assert.Equal("{ \"PORT\": 3456 } // é", AtomicFile.ReadAllText(path));
    }

    [Fact]
    public void SharingViolations_AreAWindowsOnlyNotion()
    {
        var sharing = new IOException("in use", unchecked((int)0x80070020));
        Assert.Equal(OperatingSystem.IsWindows(), AtomicFile.IsSharingViolation(sharing));
        Assert.False(AtomicFile.IsSharingViolation(new FileNotFoundException()));
    }
}
