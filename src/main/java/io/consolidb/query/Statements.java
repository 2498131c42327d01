package io.consolidb.query;

import static io.consolidb.FailureCodes.INVALID_INPUT;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Tuple;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.Temporal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Turns request JSON into statements ready to run, and remembers the work it did per SQL text:
 * the named-placeholder rewrite and the normalized form for logs are computed once per distinct
 * statement and kept in small LRU maps. Confined to its executor's event loop.
 */
final class Statements {

  /** One statement: the text as the caller wrote it, the text PostgreSQL runs, its bind values. */
  record Statement(String sql, String pgSql, Tuple args, String[] names) {
  }

  private static final String[] NO_NAMES = new String[0];
  private static final int CACHE_SIZE = 1024;

  private final Map<String, SqlText.Named> named = lru(CACHE_SIZE);
  private final Map<String, String> normalized = lru(CACHE_SIZE);

  /**
   * Reads {@code {sql, params}} from {@code json}; {@code where} prefixes error messages (for
   * example {@code "statements[2]."}).
   *
   * @throws QueryFailure (400) naming what is missing or malformed
   */
  Statement parse(JsonObject json, String where) {
    Object sqlValue = json.getValue("sql");
    if (!(sqlValue instanceof String sql) || sql.isBlank()) {
      throw invalid(where + (sqlValue == null ? "sql is required" : "sql must be a non-blank string"));
    }
    Object params = json.getValue("params");
    if (params == null) {
      return new Statement(sql, sql, new BindTuple(0), NO_NAMES);
    }
    if (params instanceof JsonArray positional) {
      int size = positional.size();
      BindTuple args = new BindTuple(size);
      for (int i = 0; i < size; i++) {
        args.addValue(bindValue(positional.getValue(i), where, "$" + (i + 1)));
      }
      return new Statement(sql, sql, args, NO_NAMES);
    }
    if (params instanceof JsonObject values) {
      SqlText.Named rewritten = named.computeIfAbsent(sql, SqlText::rewriteNamed);
      String[] names = rewritten.names();
      BindTuple args = new BindTuple(names.length);
      for (String name : names) {
        if (!values.containsKey(name)) {
          throw invalid(where + "params has no value for :" + name);
        }
        args.addValue(bindValue(values.getValue(name), where, ":" + name));
      }
      if (values.size() != names.length) {
        for (String key : values.fieldNames()) {
          if (!rewritten.nameSet().contains(key)) {
            throw invalid(where + "params." + key + " matches no :" + key + " placeholder in the statement");
          }
        }
      }
      return new Statement(sql, rewritten.sql(), args, names);
    }
    throw invalid(where + "params must be an array (for $1, $2, …) or an object (for :name)");
  }

  /** The statement with literals and comments stripped, for logs; cached. */
  String normalized(String sql) {
    return normalized.computeIfAbsent(sql, SqlText::normalize);
  }

  /**
   * A JSON value as a bind value. Scalars, JSON objects and arrays pass as they are; the
   * {@link BindTuple} converts them where the parameter's type asks for something else.
   */
  private static Object bindValue(Object value, String where, String label) {
    if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean
        || value instanceof JsonObject || value instanceof JsonArray || value instanceof Buffer) {
      return value;
    }
    if (value instanceof Instant instant) {
      return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }
    if (value instanceof byte[] bytes) {
      return Buffer.buffer(bytes);
    }
    if (value instanceof Temporal || value instanceof UUID) {
      return value; // a same-JVM caller put a Java value in the JSON: it binds natively
    }
    throw invalid(where + "parameter " + label + " has an unsupported type " + value.getClass().getSimpleName());
  }

  static QueryFailure invalid(String message) {
    return new QueryFailure(INVALID_INPUT, message);
  }

  private static <K, V> Map<K, V> lru(int maxSize) {
    return new LinkedHashMap<>(64, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > maxSize;
      }
    };
  }
}
