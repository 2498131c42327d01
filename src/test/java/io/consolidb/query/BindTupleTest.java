package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.data.Numeric;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What the pg client receives when it asks a JSON-built tuple for the type the server described:
 * each conversion on its own, without a database (the round trip is in {@code QueryVerticleTest}).
 */
class BindTupleTest {

  private static BindTuple tuple(Object... values) {
    BindTuple tuple = new BindTuple(values.length);
    for (Object value : values) {
      tuple.addValue(value);
    }
    return tuple;
  }

  @Test
  void scalars_fromIsoText() {
    BindTuple t = tuple(" 12.50 ", "2026-01-02", "03:04:05", "03:04:05+02:00", "plain text");
    assertThat(t.getNumeric(0)).isEqualTo(Numeric.create(new BigDecimal("12.50")));
    assertThat(t.getLocalDate(1)).isEqualTo(LocalDate.of(2026, 1, 2));
    assertThat(t.getLocalTime(2)).isEqualTo(LocalTime.of(3, 4, 5));
    assertThat(t.getOffsetTime(3)).isEqualTo(OffsetTime.of(3, 4, 5, 0, ZoneOffset.ofHours(2)));
    assertThat(t.getString(4)).isEqualTo("plain text");
  }

  @Test
  void scalars_nonTextGoesToTheClientsOwnConversion() {
    LocalDate date = LocalDate.of(2026, 1, 2);
    LocalTime time = LocalTime.NOON;
    OffsetTime offsetTime = OffsetTime.of(time, ZoneOffset.UTC);
    LocalDateTime local = LocalDateTime.of(2026, 1, 2, 3, 4);
    OffsetDateTime offset = local.atOffset(ZoneOffset.UTC);
    BindTuple t = tuple(7, date, time, offsetTime, local, offset);
    assertThat(t.getNumeric(0)).isEqualTo(Numeric.create(7));
    assertThat(t.getLocalDate(1)).isEqualTo(date);
    assertThat(t.getLocalTime(2)).isEqualTo(time);
    assertThat(t.getOffsetTime(3)).isEqualTo(offsetTime);
    assertThat(t.getLocalDateTime(4)).isEqualTo(local);
    assertThat(t.getOffsetDateTime(5)).isEqualTo(offset);
  }

  @Test
  void dateTimes_withOrWithoutOffset_spaceOrT_bareDate() {
    BindTuple t = tuple("2026-01-02T03:04:05+02:00", "2026-01-02 03:04:05", "2026-01-02", " 2026-01-02T03:04Z ");
    assertThat(t.getLocalDateTime(0)).as("the offset is ignored, as PostgreSQL's cast does")
        .isEqualTo(LocalDateTime.of(2026, 1, 2, 3, 4, 5));
    assertThat(t.getOffsetDateTime(0)).isEqualTo(OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.ofHours(2)));
    assertThat(t.getLocalDateTime(1)).isEqualTo(LocalDateTime.of(2026, 1, 2, 3, 4, 5));
    assertThat(t.getOffsetDateTime(1)).as("text without an offset is UTC")
        .isEqualTo(OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC));
    assertThat(t.getLocalDateTime(2)).isEqualTo(LocalDateTime.of(2026, 1, 2, 0, 0));
    assertThat(t.getOffsetDateTime(2)).isEqualTo(OffsetDateTime.of(2026, 1, 2, 0, 0, 0, 0, ZoneOffset.UTC));
    assertThat(t.getOffsetDateTime(3)).isEqualTo(OffsetDateTime.of(2026, 1, 2, 3, 4, 0, 0, ZoneOffset.UTC));
  }

  @Test
  void arrays_fromJsonArraysOfEveryType() {
    UUID id = UUID.fromString("0b8a6c1e-2f1c-4f6e-9d0a-3c2b1a0f9e8d");
    BindTuple t = tuple(
        new JsonArray().add(true).add(false),
        new JsonArray().add(1).add(2),
        new JsonArray().add(3).add(4),
        new JsonArray().add(5L).add(6),
        new JsonArray().add(1.5).add(2),
        new JsonArray().add(2.5).add(3),
        new JsonArray().add("1.25").add(2),
        new JsonArray().add("a").add("b"),
        new JsonArray().add(id.toString()),
        new JsonArray().add("2026-01-02"),
        new JsonArray().add("2026-01-02 03:04:05"),
        new JsonArray().add("2026-01-02T03:04:05+02:00"));
    assertThat(t.getArrayOfBooleans(0)).containsExactly(true, false);
    assertThat(t.getArrayOfShorts(1)).containsExactly((short) 1, (short) 2);
    assertThat(t.getArrayOfIntegers(2)).containsExactly(3, 4);
    assertThat(t.getArrayOfLongs(3)).containsExactly(5L, 6L);
    assertThat(t.getArrayOfFloats(4)).containsExactly(1.5f, 2f);
    assertThat(t.getArrayOfDoubles(5)).containsExactly(2.5, 3.0);
    assertThat(t.getArrayOfNumerics(6)).containsExactly(Numeric.create(new BigDecimal("1.25")), Numeric.create(2));
    assertThat(t.getArrayOfStrings(7)).containsExactly("a", "b");
    assertThat(t.getArrayOfUUIDs(8)).containsExactly(id);
    assertThat(t.getArrayOfLocalDates(9)).containsExactly(LocalDate.of(2026, 1, 2));
    assertThat(t.getArrayOfLocalDateTimes(10)).containsExactly(LocalDateTime.of(2026, 1, 2, 3, 4, 5));
    assertThat(t.getArrayOfOffsetDateTimes(11))
        .containsExactly(OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.ofHours(2)));
  }

  @Test
  void arrays_emptyAndNullElements() {
    BindTuple t = tuple(new JsonArray(), new JsonArray().addNull().add(1));
    assertThat(t.getArrayOfIntegers(0)).isEmpty();
    assertThat(t.getArrayOfIntegers(1)).containsExactly(null, 1);
  }

  @Test
  void arrays_alreadyTypedGoToTheClientsOwnConversion() {
    Boolean[] booleans = {true};
    Short[] shorts = {1};
    Integer[] integers = {1};
    Long[] longs = {1L};
    Float[] floats = {1f};
    Double[] doubles = {1.0};
    Numeric[] numerics = {Numeric.create(1)};
    String[] strings = {"a"};
    UUID[] uuids = {UUID.randomUUID()};
    LocalDate[] dates = {LocalDate.EPOCH};
    LocalDateTime[] localDateTimes = {LocalDateTime.of(2026, 1, 2, 3, 4)};
    OffsetDateTime[] offsetDateTimes = {OffsetDateTime.of(2026, 1, 2, 3, 4, 0, 0, ZoneOffset.UTC)};
    BindTuple t = tuple(booleans, shorts, integers, longs, floats, doubles, numerics, strings, uuids, dates,
        localDateTimes, offsetDateTimes);
    assertThat(t.getArrayOfBooleans(0)).isEqualTo(booleans);
    assertThat(t.getArrayOfShorts(1)).isEqualTo(shorts);
    assertThat(t.getArrayOfIntegers(2)).isEqualTo(integers);
    assertThat(t.getArrayOfLongs(3)).isEqualTo(longs);
    assertThat(t.getArrayOfFloats(4)).isEqualTo(floats);
    assertThat(t.getArrayOfDoubles(5)).isEqualTo(doubles);
    assertThat(t.getArrayOfNumerics(6)).isEqualTo(numerics);
    assertThat(t.getArrayOfStrings(7)).isEqualTo(strings);
    assertThat(t.getArrayOfUUIDs(8)).isEqualTo(uuids);
    assertThat(t.getArrayOfLocalDates(9)).isEqualTo(dates);
    assertThat(t.getArrayOfLocalDateTimes(10)).isEqualTo(localDateTimes);
    assertThat(t.getArrayOfOffsetDateTimes(11)).isEqualTo(offsetDateTimes);
  }
}
