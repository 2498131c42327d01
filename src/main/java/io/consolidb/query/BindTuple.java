package io.consolidb.query;

import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.IntFunction;

/**
 * Bind values that arrived as JSON. JSON has no dates, exact decimals or typed arrays, so where
 * the statement's parameter type asks for one, this tuple converts what JSON gives: ISO-8601
 * strings to dates and times, numeric strings to {@code numeric}, JSON arrays to typed arrays
 * ({@code = ANY($1)}). The pg client asks the tuple for the type the server described for the
 * parameter (for example {@code Tuple::getLocalDate} for a {@code date}), so the conversion only
 * happens where the statement wants it; a text parameter still receives the string itself.
 *
 * <p>Extends the client's internal array tuple because the client casts every tuple to it
 * ({@link SqlClientInternals}); the overridden getters are public {@link Tuple} API.
 */
final class BindTuple extends SqlClientInternals.TupleBase {

  BindTuple(int size) {
    super(size);
  }

  @Override
  public Numeric getNumeric(int pos) {
    return getValue(pos) instanceof String s ? Numeric.parse(s.trim()) : super.getNumeric(pos);
  }

  @Override
  public LocalDate getLocalDate(int pos) {
    return getValue(pos) instanceof String s ? LocalDate.parse(s.trim()) : super.getLocalDate(pos);
  }

  @Override
  public LocalTime getLocalTime(int pos) {
    return getValue(pos) instanceof String s ? LocalTime.parse(s.trim()) : super.getLocalTime(pos);
  }

  @Override
  public OffsetTime getOffsetTime(int pos) {
    return getValue(pos) instanceof String s ? OffsetTime.parse(s.trim()) : super.getOffsetTime(pos);
  }

  /** Like PostgreSQL's own cast to {@code timestamp}, an offset in the text is ignored. */
  @Override
  public LocalDateTime getLocalDateTime(int pos) {
    if (getValue(pos) instanceof String s) {
      TemporalAccessor parsed = parseDateTime(s);
      return parsed instanceof OffsetDateTime odt ? odt.toLocalDateTime() : (LocalDateTime) parsed;
    }
    return super.getLocalDateTime(pos);
  }

  /** Text without an offset is read as UTC. */
  @Override
  public OffsetDateTime getOffsetDateTime(int pos) {
    if (getValue(pos) instanceof String s) {
      TemporalAccessor parsed = parseDateTime(s);
      return parsed instanceof OffsetDateTime odt ? odt : ((LocalDateTime) parsed).atOffset(ZoneOffset.UTC);
    }
    return super.getOffsetDateTime(pos);
  }

  @Override
  public Boolean[] getArrayOfBooleans(int pos) {
    return isJsonArray(pos) ? elements(pos, Boolean[]::new, Tuple::getBoolean) : super.getArrayOfBooleans(pos);
  }

  @Override
  public Short[] getArrayOfShorts(int pos) {
    return isJsonArray(pos) ? elements(pos, Short[]::new, Tuple::getShort) : super.getArrayOfShorts(pos);
  }

  @Override
  public Integer[] getArrayOfIntegers(int pos) {
    return isJsonArray(pos) ? elements(pos, Integer[]::new, Tuple::getInteger) : super.getArrayOfIntegers(pos);
  }

  @Override
  public Long[] getArrayOfLongs(int pos) {
    return isJsonArray(pos) ? elements(pos, Long[]::new, Tuple::getLong) : super.getArrayOfLongs(pos);
  }

  @Override
  public Float[] getArrayOfFloats(int pos) {
    return isJsonArray(pos) ? elements(pos, Float[]::new, Tuple::getFloat) : super.getArrayOfFloats(pos);
  }

  @Override
  public Double[] getArrayOfDoubles(int pos) {
    return isJsonArray(pos) ? elements(pos, Double[]::new, Tuple::getDouble) : super.getArrayOfDoubles(pos);
  }

  @Override
  public Numeric[] getArrayOfNumerics(int pos) {
    return isJsonArray(pos) ? elements(pos, Numeric[]::new, Tuple::getNumeric) : super.getArrayOfNumerics(pos);
  }

  @Override
  public String[] getArrayOfStrings(int pos) {
    return isJsonArray(pos) ? elements(pos, String[]::new, Tuple::getString) : super.getArrayOfStrings(pos);
  }

  @Override
  public UUID[] getArrayOfUUIDs(int pos) {
    return isJsonArray(pos) ? elements(pos, UUID[]::new, Tuple::getUUID) : super.getArrayOfUUIDs(pos);
  }

  @Override
  public LocalDate[] getArrayOfLocalDates(int pos) {
    return isJsonArray(pos) ? elements(pos, LocalDate[]::new, Tuple::getLocalDate) : super.getArrayOfLocalDates(pos);
  }

  @Override
  public LocalDateTime[] getArrayOfLocalDateTimes(int pos) {
    return isJsonArray(pos) ? elements(pos, LocalDateTime[]::new, Tuple::getLocalDateTime)
        : super.getArrayOfLocalDateTimes(pos);
  }

  @Override
  public OffsetDateTime[] getArrayOfOffsetDateTimes(int pos) {
    return isJsonArray(pos) ? elements(pos, OffsetDateTime[]::new, Tuple::getOffsetDateTime)
        : super.getArrayOfOffsetDateTimes(pos);
  }

  private boolean isJsonArray(int pos) {
    return getValue(pos) instanceof JsonArray;
  }

  private <T> T[] elements(int pos, IntFunction<T[]> newArray, BiFunction<Tuple, Integer, T> element) {
    JsonArray json = (JsonArray) getValue(pos);
    int size = json.size();
    BindTuple values = new BindTuple(size);
    for (int i = 0; i < size; i++) {
      values.addValue(json.getValue(i));
    }
    T[] array = newArray.apply(size);
    for (int i = 0; i < size; i++) {
      array[i] = element.apply(values, i);
    }
    return array;
  }

  /** ISO-8601 date-time, with or without an offset, {@code T} or a space; a bare date is midnight. */
  private static TemporalAccessor parseDateTime(String text) {
    String s = text.trim();
    if (s.length() == 10) {
      return LocalDate.parse(s).atStartOfDay();
    }
    if (s.length() > 10 && s.charAt(10) == ' ') {
      s = s.substring(0, 10) + 'T' + s.substring(11);
    }
    return DateTimeFormatter.ISO_DATE_TIME.parseBest(s, OffsetDateTime::from, LocalDateTime::from);
  }
}
