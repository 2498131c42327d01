package io.consolidb.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.data.Interval;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How each value the driver decodes becomes JSON, without a database: the types whose JSON form
 * is not obvious (non-finite numbers, times, intervals, arrays, enums). The round trip through
 * PostgreSQL is {@code QueryVerticleTest.typesRoundTrip}.
 */
class RowMapperTest {

  @Test
  void value_jsonNativeTypesPassThrough() {
    Buffer bytes = Buffer.buffer("x");
    JsonObject object = new JsonObject().put("a", 1);
    for (Object same : new Object[] {"s", 1, 2L, true, (short) 3, new BigDecimal("1.50"), object, new JsonArray(), bytes,
        (byte) 4}) {
      assertThat(RowMapper.value(same)).isSameAs(same);
    }
    assertThat(RowMapper.value(null)).isNull();
    assertThat(RowMapper.value(Tuple.JSON_NULL)).isNull();
  }

  @Test
  void value_nonFiniteNumbersBecomeStrings() {
    assertThat(RowMapper.value(1.5d)).isEqualTo(1.5d);
    assertThat(RowMapper.value(Double.NaN)).isEqualTo("NaN");
    assertThat(RowMapper.value(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
    assertThat(RowMapper.value(2.5f)).isEqualTo(2.5f);
    assertThat(RowMapper.value(Float.POSITIVE_INFINITY)).isEqualTo("Infinity");
    assertThat(RowMapper.value(Numeric.create(new BigDecimal("12.34")))).isEqualTo(new BigDecimal("12.34"));
    assertThat(RowMapper.value(Numeric.NaN)).isEqualTo("NaN");
  }

  @Test
  void value_timesAsIso8601() {
    assertThat(RowMapper.value(OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC)))
        .isEqualTo("2026-01-02T03:04:05Z");
    assertThat(RowMapper.value(LocalDateTime.of(2026, 1, 2, 3, 4, 5))).isEqualTo("2026-01-02T03:04:05");
    assertThat(RowMapper.value(LocalDate.of(2026, 1, 2))).isEqualTo("2026-01-02");
    assertThat(RowMapper.value(LocalTime.of(3, 4, 5, 500_000_000))).isEqualTo("03:04:05.5");
    assertThat(RowMapper.value(OffsetTime.of(3, 4, 5, 0, ZoneOffset.ofHours(2)))).isEqualTo("03:04:05+02:00");
  }

  @Test
  void value_arraysEnumsAndTheRest() {
    assertThat(RowMapper.value(new Integer[] {1, null, 3})).isEqualTo(new JsonArray().add(1).addNull().add(3));
    assertThat(RowMapper.value(new LocalDate[] {LocalDate.of(2026, 1, 2)})).isEqualTo(new JsonArray().add("2026-01-02"));
    assertThat(RowMapper.value(new int[0])).isEqualTo(new JsonArray());
    assertThat(RowMapper.value(TimeUnit.SECONDS)).isEqualTo("SECONDS");
    UUID id = UUID.fromString("0b8a6c1e-2f1c-4f6e-9d0a-3c2b1a0f9e8d");
    assertThat(RowMapper.value(id)).isEqualTo(id.toString());
  }

  @ParameterizedTest(name = "{0}y {1}m {2}d {3}h {4}min {5}s {6}µs -> {7}")
  @CsvSource({
      "0, 0, 0, 0, 0, 0, 0, PT0S",
      "1, 2, 3, 4, 5, 6, 500000, P1Y2M3DT4H5M6.5S",
      "0, 0, 3, 0, 0, 0, 0, P3D",
      "0, 0, 0, 4, 0, 0, 0, PT4H",
      "0, 0, 0, 0, 5, 0, 0, PT5M",
      "0, 0, 0, 0, 0, 0, 1, PT0.000001S",
      "0, 0, 0, 0, 0, 90, 0, PT90S",
      "0, 1, 0, 0, 0, 0, 0, P1M",
      "-1, 0, -2, -3, 0, -1, -500000, P-1Y-2DT-3H-1.5S"})
  void duration_iso8601(int years, int months, int days, int hours, int minutes, int seconds, int micros,
      String expected) {
    Interval interval = new Interval(years, months, days, hours, minutes, seconds, micros);
    assertThat(RowMapper.duration(interval)).isEqualTo(expected);
    assertThat(RowMapper.value(interval)).isEqualTo(expected);
  }
}
