package io.consolidb.testsupport;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/** Arbitrary input a careless or hostile caller sends: odd strings, extreme numbers, nulls, wrong shapes. */
public final class Hostile {

  private Hostile() {
  }

  /** Text that breaks naive parsers: empty, whitespace, quotes, SQL, control characters, unicode, long runs. */
  public static Arbitrary<String> text() {
    return Arbitraries.oneOf(
        Arbitraries.of("", " ", "0", "-1", "1e308", "-0", "NaN", "Infinity", "99999999999999999999999",
            "null", "true", "[]", "{}", "'; DROP TABLE restaurants; --", "%00", "\u0000", "\\", "\"",
            "2025-13-45", "2025-03-01T25:00:00Z", "or", "a OR b OR c OR d OR e OR f OR g OR h OR i OR j",
            "ünïcødé 🍕", "$1", ":city", "*", "?", "%", "_"),
        Arbitraries.strings().ofMaxLength(40),
        Arbitraries.strings().withCharRange(' ', '~').ofMinLength(200).ofMaxLength(600),
        Arbitraries.strings().alpha().numeric().withChars(' ', '-', '"').ofMaxLength(80));
  }

  /** A JSON value of any type, extremes included. */
  public static Arbitrary<Object> value() {
    return Arbitraries.oneOf(
        text().map(s -> s),
        Arbitraries.longs().map(n -> n),
        Arbitraries.integers().between(-3, 300).map(n -> n),
        Arbitraries.doubles().map(d -> d),
        Arbitraries.of(Long.MAX_VALUE, Long.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1e-300, 0.5,
            new BigInteger("123456789012345678901234567890"), new BigDecimal("1e400")).map(n -> n),
        Arbitraries.of(true, false).map(b -> b),
        Arbitraries.just(null),
        Arbitraries.just(new JsonObject()).map(o -> o),
        Arbitraries.just(JsonArray.of(1, "two", null)).map(a -> a),
        Arbitraries.just(new JsonObject().put("name", "x").put("nested", new JsonObject().put("deep", JsonArray.of()))));
  }

  /** An object whose keys are mostly ones the services know, with arbitrary values. */
  public static Arbitrary<JsonObject> object() {
    Arbitrary<String> keys = Arbitraries.oneOf(
        Arbitraries.of("id", "latitude", "longitude", "radiusKm", "limit", "city", "page", "size", "query",
            "restaurant", "changes", "user", "userId", "restaurantId", "event", "events", "from", "to", "type",
            "name", "email", "sql", "params", "timeoutMs", "readOnly", "lookup", "cache", "statements",
            "invalidate", "operation", "idempotent"),
        Arbitraries.strings().alpha().ofMaxLength(8));
    return Arbitraries.maps(keys, value()).ofMaxSize(6).map(map -> {
      JsonObject json = new JsonObject();
      map.forEach(json::put);
      return json;
    });
  }

  /** A message body: usually an object, sometimes no object at all. */
  public static Arbitrary<Object> body() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(8, object().map(o -> o)),
        net.jqwik.api.Tuple.of(1, text().map(s -> s)),
        net.jqwik.api.Tuple.of(1, Arbitraries.of(42, JsonArray.of("x"), 1.5).map(v -> v)));
  }

  /** What must never appear in an answer to a caller: Java exception text. */
  public static boolean leaksInternals(String text) {
    return text != null && (text.contains("Exception") || text.contains("\tat ") || text.contains("at io.")
        || text.contains("at java.") || text.contains("cannot be cast") || text.contains("Cannot invoke"));
  }
}
