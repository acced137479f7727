using System.Globalization;

namespace Lifeboat.Engine.Tests;

/// <summary>Sizes print as restic's "%.3f KiB" does: Go rounds an exact tie to even, .NET's formats away from zero.</summary>
public sealed class ByteSizeTests
{
    [Theory]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.000 KiB")]
    [InlineData(1536, "1.500 KiB")]
    [InlineData(5440, "5.312 KiB")] // 5.3125: a tie, to the even 2
    [InlineData(5568, "5.438 KiB")] // 5.4375: a tie, to the even 8
    [InlineData(1048575, "1023.999 KiB")]
    [InlineData(1048576, "1.000 MiB")]
    [InlineData(3825205248, "3.562 GiB")] // 3.5625 GiB
    [InlineData(5505197788437, "5.007 TiB")]
    [InlineData(9007199254740991, "8192.000 TiB")]
    public void A_size_prints_as_restic_does(long bytes, string expected) => Assert.Equal(expected, ByteSize.Format(bytes));

    [Fact]
    public void Every_size_in_a_range_rounds_its_exact_value_half_to_even()
    {
        // bytes / 1024 is exact in decimal too: the reference rounds that exact value
        for (long bytes = 1024; bytes < 1024 * 64; bytes++)
        {
            var exact = Math.Round(bytes / 1024m, 3, MidpointRounding.ToEven).ToString("0.000", CultureInfo.InvariantCulture) + " KiB";
            Assert.Equal(exact, ByteSize.Format(bytes));
        }
    }
}
