package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** {@link IsoText} writes what the ISO formatters write, for every value a row can carry. */
class IsoTextTest {

  @Property(tries = 2000)
  void sameTextAsTheFormatters(@ForAll @LongRange(min = -400_000_000_000L, max = 400_000_000_000L) long epochSecond,
      @ForAll @IntRange(min = 0, max = 999_999_999) int nano, @ForAll @IntRange(min = 0, max = 9) int zeros,
      @ForAll @IntRange(min = -64_800, max = 64_800) int offsetSeconds) {
    int rounded = nano - nano % (int) Math.pow(10, zeros); // fractions of every length, trailing zeros included
    ZoneOffset offset = ZoneOffset.ofTotalSeconds(offsetSeconds % 3 == 0 ? offsetSeconds - offsetSeconds % 60 : offsetSeconds);
    LocalDateTime local = LocalDateTime.ofEpochSecond(epochSecond, rounded, ZoneOffset.UTC);
    assertSame(local, offset);
  }

  @Test
  void edges() {
    for (LocalDateTime local : new LocalDateTime[] {LocalDateTime.MIN, LocalDateTime.MAX,
        LocalDateTime.of(2026, 12, 6, 0, 0), LocalDateTime.of(-1, 1, 1, 0, 0, 0, 1),
        LocalDateTime.of(10_000, 1, 1, 9, 5, 7, 100_000_000), LocalDateTime.of(999, 2, 3, 23, 59, 59, 120)}) {
      for (ZoneOffset offset : new ZoneOffset[] {ZoneOffset.UTC, ZoneOffset.MIN, ZoneOffset.MAX,
          ZoneOffset.ofHoursMinutesSeconds(5, 30, 15)}) {
        assertSame(local, offset);
      }
    }
    assertThat(IsoText.of(LocalTime.of(1, 2))).isEqualTo("01:02:00");
    assertThat(IsoText.of(LocalDateTime.of(2026, 12, 6, 14, 5, 0, 123_000_000))).isEqualTo("2026-12-06T14:05:00.123");
  }

  private static void assertSame(LocalDateTime local, ZoneOffset offset) {
    assertThat(IsoText.of(local)).isEqualTo(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(local));
    assertThat(IsoText.of(local.toLocalDate())).isEqualTo(DateTimeFormatter.ISO_LOCAL_DATE.format(local.toLocalDate()));
    assertThat(IsoText.of(local.toLocalTime())).isEqualTo(DateTimeFormatter.ISO_LOCAL_TIME.format(local.toLocalTime()));
    OffsetDateTime at = OffsetDateTime.of(local, offset);
    assertThat(IsoText.of(at)).isEqualTo(DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at));
    OffsetTime time = OffsetTime.of(local.toLocalTime(), offset);
    assertThat(IsoText.of(time)).isEqualTo(DateTimeFormatter.ISO_OFFSET_TIME.format(time));
  }
}
