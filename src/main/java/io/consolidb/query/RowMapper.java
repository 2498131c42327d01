package io.consolidb.query;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.data.Interval;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import io.vertx.sqlclient.data.Numeric;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Rows as JSON: one object per row, column name to value. Temporal values become ISO-8601
 * strings, {@code numeric} an exact number, {@code json}/{@code jsonb} JSON, arrays JSON arrays,
 * {@code interval} an ISO-8601 duration, {@code bytea} a buffer (base64 once encoded); anything
 * else its text form. When two columns share a name the last one wins, as in a JSON object.
 */
final class RowMapper {

  private RowMapper() {
  }

  static JsonArray rows(RowSet<Row> rowSet) {
    List<String> columns = rowSet.columnsNames();
    int size = rowSet.size();
    if (columns == null || columns.isEmpty() || size == 0) {
      return new JsonArray();
    }
    String[] names = columns.toArray(new String[0]);
    int width = names.length;
    List<Object> rows = new ArrayList<>(size);
    for (Row row : rowSet) {
      LinkedHashMap<String, Object> fields = new LinkedHashMap<>(width * 2);
      for (int i = 0; i < width; i++) {
        fields.put(names[i], value(row.getValue(i)));
      }
      rows.add(new JsonObject(fields));
    }
    return new JsonArray(rows);
  }

  static Object value(Object value) {
    if (value == null || value instanceof String || value instanceof Integer || value instanceof Long
        || value instanceof Boolean || value instanceof Short || value instanceof BigDecimal
        || value instanceof JsonObject || value instanceof JsonArray || value instanceof Buffer) {
      return value;
    }
    if (value instanceof Numeric numeric) {
      return numeric(numeric);
    }
    if (value instanceof Double d) {
      return Double.isFinite(d) ? d : d.toString(); // JSON has no NaN or Infinity
    }
    if (value instanceof Float f) {
      return Float.isFinite(f) ? f : f.toString();
    }
    if (value instanceof OffsetDateTime t) {
      return IsoText.of(t);
    }
    if (value instanceof LocalDateTime t) {
      return IsoText.of(t);
    }
    if (value instanceof LocalDate t) {
      return IsoText.of(t);
    }
    if (value instanceof LocalTime t) {
      return IsoText.of(t);
    }
    if (value instanceof OffsetTime t) {
      return IsoText.of(t);
    }
    if (value == Tuple.JSON_NULL) {
      return null;
    }
    if (value instanceof Interval interval) {
      return duration(interval);
    }
    if (value.getClass().isArray()) {
      int length = Array.getLength(value);
      List<Object> items = new ArrayList<>(length);
      for (int i = 0; i < length; i++) {
        items.add(value(Array.get(value, i)));
      }
      return new JsonArray(items);
    }
    if (value instanceof Number) {
      return value;
    }
    if (value instanceof Enum<?> e) {
      return e.name();
    }
    return value.toString(); // uuid, inet, money, geometric types, …
  }

  private static Object numeric(Numeric numeric) {
    if (numeric.isNaN()) {
      return "NaN";
    }
    try {
      return numeric.bigDecimalValue();
    } catch (NumberFormatException infinite) {
      return numeric.toString();
    }
  }

  /** PostgreSQL's interval fields as an ISO-8601 duration, e.g. {@code P1Y2M3DT4H5M6.5S}. */
  static String duration(Interval interval) {
    StringBuilder out = new StringBuilder("P");
    if (interval.getYears() != 0) {
      out.append(interval.getYears()).append('Y');
    }
    if (interval.getMonths() != 0) {
      out.append(interval.getMonths()).append('M');
    }
    if (interval.getDays() != 0) {
      out.append(interval.getDays()).append('D');
    }
    int hours = interval.getHours();
    int minutes = interval.getMinutes();
    long micros = interval.getSeconds() * 1_000_000L + interval.getMicroseconds();
    if (hours != 0 || minutes != 0 || micros != 0) {
      out.append('T');
      if (hours != 0) {
        out.append(hours).append('H');
      }
      if (minutes != 0) {
        out.append(minutes).append('M');
      }
      if (micros != 0) {
        out.append(BigDecimal.valueOf(micros, 6).stripTrailingZeros().toPlainString()).append('S');
      }
    }
    return out.length() == 1 ? "PT0S" : out.toString();
  }
}
