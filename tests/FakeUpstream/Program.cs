namespace FakeUpstream;

internal static class Program
{
    private static int Main()
    {
        return 0;
    }
}
