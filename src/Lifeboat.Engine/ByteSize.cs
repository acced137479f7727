namespace Lifeboat.Engine;

/// <summary>
/// restic's FormatBytes, which the command line prints and the stack's messages follow: "1023 B", "5.312 KiB",
/// "%.3f" of the size in the largest binary unit it reaches. The quotient is exact in binary, and Go rounds an exact
/// tie to even (5440 B is "5.312 KiB") where .NET's formats round it away from zero ("5.313"), so the thousandths are
/// worked out in integers.
/// </summary>
public static class ByteSize
{
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 40 => Scaled(bytes, 40, "TiB"),
        >= 1L << 30 => Scaled(bytes, 30, "GiB"),
        >= 1L << 20 => Scaled(bytes, 20, "MiB"),
        >= 1L << 10 => Scaled(bytes, 10, "KiB"),
        _ => $"{bytes} B",
    };

    private static string Scaled(long bytes, int shift, string unit)
    {
        Int128 thousandths = (Int128)bytes * 1000;
        Int128 whole = thousandths >> shift;
        Int128 rest = thousandths - (whole << shift);
        Int128 half = (Int128)1 << (shift - 1);
        if (rest > half || (rest == half && (whole & 1) == 1)) whole++;
        return $"{(long)(whole / 1000)}.{(int)(whole % 1000):000} {unit}";
    }
}
