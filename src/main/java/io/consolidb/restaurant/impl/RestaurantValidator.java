package io.consolidb.restaurant.impl;

import static io.consolidb.restaurant.RestaurantLimits.*;
import static io.consolidb.service.InputCheck.invalid;

import io.consolidb.service.InputCheck;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks the arguments of the restaurant service before any SQL runs, so event-bus callers get
 * the same answers as HTTP clients. Each check throws a {@link ServiceException} 400 whose debug
 * info names the parameter ({@code {"parameter": "latitude"}}); the service turns it into a failed
 * future.
 */
final class RestaurantValidator {

  private static final Pattern WORD_SEPARATORS = Pattern.compile("[^\\p{L}\\p{N}]+");

  /** Fields a caller may write, each with its rule, in {@link RestaurantSql#INSERT_PARAMETERS} order. */
  private static final Map<String, FieldRule> WRITABLE = writableFields();
  /** Fields the database sets; known, but refused in a create or an update. */
  private static final Set<String> READ_ONLY = Set.of("id", "created_at", "updated_at");
  /** Fields that must be present (and non-null) in a create, and may never be cleared. */
  private static final List<String> REQUIRED = List.of("name", "city", "latitude", "longitude");
  /** NOT NULL columns that have a default: optional in a create, but never cleared. */
  private static final Set<String> NOT_NULL = Set.of("name", "city", "latitude", "longitude", "status");

  private RestaurantValidator() {
  }

  static long id(long id) {
    return InputCheck.positiveId("id", id);
  }

  static double latitude(double latitude) {
    return range("latitude", latitude, MIN_LATITUDE, MAX_LATITUDE);
  }

  static double longitude(double longitude) {
    return range("longitude", longitude, MIN_LONGITUDE, MAX_LONGITUDE);
  }

  static double radiusKm(double radiusKm) {
    if (!(radiusKm > 0 && radiusKm <= MAX_RADIUS_KM)) {
      throw invalid("radiusKm", "radiusKm must be greater than 0 and at most " + format(MAX_RADIUS_KM)
          + " km, got " + format(radiusKm));
    }
    return radiusKm;
  }

  static int limit(int limit) {
    return intRange("limit", limit, 1, MAX_LIMIT);
  }

  static int page(int page) {
    return intRange("page", page, 1, MAX_PAGE);
  }

  static int size(int size) {
    return intRange("size", size, 1, MAX_PAGE_SIZE);
  }

  /** The city, stripped; not blank, bounded. */
  static String city(String city) {
    return requiredText("city", city, MAX_CITY_LENGTH);
  }

  /** The search text, stripped; not blank, bounded in characters and in words. */
  static String query(String query) {
    String text = requiredText("query", query, MAX_QUERY_LENGTH);
    int terms = terms(text);
    if (terms > MAX_QUERY_TERMS) {
      throw invalid("query", "query has " + terms + " words: at most " + MAX_QUERY_TERMS + " are searched");
    }
    return text;
  }

  /** The words websearch_to_tsquery would look up: runs of letters and digits, less the operator "or". */
  static int terms(String text) {
    int terms = 0;
    for (String word : WORD_SEPARATORS.split(text)) {
      if (!word.isEmpty() && !word.equalsIgnoreCase("or")) {
        terms++;
      }
    }
    return terms;
  }

  /**
   * The {@link RestaurantSql#INSERT} parameters for a new restaurant, normalized: text
   * stripped (blank optional text becomes null), numbers as Double/Integer.
   */
  static JsonArray newRestaurant(JsonObject restaurant) {
    if (restaurant == null) {
      throw invalid("restaurant", "a restaurant object is required");
    }
    InputCheck.refuseUnknown(restaurant, WRITABLE.keySet(), READ_ONLY);
    List<String> missing = new ArrayList<>();
    for (String field : REQUIRED) {
      if (restaurant.getValue(field) == null) {
        missing.add(field);
      }
    }
    if (!missing.isEmpty()) {
      throw invalid(missing, (missing.size() == 1 ? "missing required field: " : "missing required fields: ")
          + String.join(", ", missing));
    }
    JsonArray params = new JsonArray();
    for (Map.Entry<String, FieldRule> field : WRITABLE.entrySet()) {
      Object value = restaurant.getValue(field.getKey());
      params.add(value == null ? null : field.getValue().normalize(field.getKey(), value));
    }
    for (String field : REQUIRED) {
      if (params.getValue(RestaurantSql.INSERT_PARAMETERS.indexOf(field)) == null) {
        throw invalid(field, field + " must not be blank");
      }
    }
    return params;
  }

  /**
   * The {@link RestaurantSql#UPDATE} patch: the given fields, normalized; a field given as
   * null clears the column, which the required fields refuse.
   */
  static JsonObject changes(JsonObject changes) {
    if (changes == null || changes.isEmpty()) {
      throw invalid("changes", "changes must name at least one field to update");
    }
    InputCheck.refuseUnknown(changes, WRITABLE.keySet(), READ_ONLY);
    JsonObject patch = new JsonObject();
    for (Map.Entry<String, FieldRule> field : WRITABLE.entrySet()) {
      String name = field.getKey();
      if (!changes.containsKey(name)) {
        continue;
      }
      Object value = changes.getValue(name);
      Object normalized = value == null ? null : field.getValue().normalize(name, value);
      if (normalized == null && NOT_NULL.contains(name)) {
        throw invalid(name, name + " cannot be cleared");
      }
      patch.put(name, normalized);
    }
    return patch;
  }

  private static double range(String name, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw invalid(name, name + " must be between " + format(min) + " and " + format(max)
          + ", got " + format(value));
    }
    return value;
  }

  private static int intRange(String name, int value, int min, int max) {
    if (value < min || value > max) {
      throw invalid(name, name + " must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  private static String requiredText(String name, String value, int maxLength) {
    String stripped = value == null ? "" : value.strip();
    if (stripped.isEmpty()) {
      throw invalid(name, name + " must not be blank");
    }
    if (stripped.length() > maxLength) {
      throw invalid(name, name + " must be at most " + maxLength + " characters, got " + stripped.length());
    }
    return stripped;
  }

  private static String format(double value) {
    return value == Math.rint(value) && !Double.isInfinite(value) && Math.abs(value) < 1e15
        ? Long.toString((long) value)
        : Double.toString(value);
  }

  private static Map<String, FieldRule> writableFields() {
    Map<String, FieldRule> fields = new LinkedHashMap<>();
    fields.put("name", text(MAX_NAME_LENGTH));
    fields.put("address", text(MAX_ADDRESS_LENGTH));
    fields.put("city", text(MAX_CITY_LENGTH));
    fields.put("state", text(MAX_STATE_LENGTH));
    fields.put("postal_code", text(MAX_POSTAL_CODE_LENGTH));
    fields.put("phone", text(MAX_PHONE_LENGTH));
    fields.put("website", text(MAX_WEBSITE_LENGTH));
    fields.put("kosher_category", oneOf(KOSHER_CATEGORIES));
    fields.put("certifying_agency", text(MAX_CERTIFYING_AGENCY_LENGTH));
    fields.put("hours", RestaurantValidator::hours);
    fields.put("price_range", (name, value) -> integer(name, value, MIN_PRICE_RANGE, MAX_PRICE_RANGE));
    fields.put("rating", (name, value) -> number(name, value, MIN_RATING, MAX_RATING));
    fields.put("status", oneOf(STATUSES));
    fields.put("latitude", (name, value) -> number(name, value, MIN_LATITUDE, MAX_LATITUDE));
    fields.put("longitude", (name, value) -> number(name, value, MIN_LONGITUDE, MAX_LONGITUDE));
    // optional; null (or cleared): the city's zone, set by the database
    fields.put("time_zone", RestaurantValidator::timeZone);
    if (!List.copyOf(fields.keySet()).equals(RestaurantSql.INSERT_PARAMETERS)) {
      // The INSERT binds parameters by position: a drift here would store values in the wrong columns.
      throw new IllegalStateException("RestaurantValidator fields " + fields.keySet()
          + " differ from RestaurantSql.INSERT_PARAMETERS " + RestaurantSql.INSERT_PARAMETERS);
    }
    return Collections.unmodifiableMap(fields);
  }

  /** Checks one non-null field value and returns it normalized (null for blank optional text). */
  @FunctionalInterface
  private interface FieldRule {
    Object normalize(String name, Object value);
  }

  private static FieldRule text(int maxLength) {
    return (name, value) -> {
      if (!(value instanceof String s)) {
        throw invalid(name, name + " must be a string");
      }
      String stripped = s.strip();
      if (stripped.length() > maxLength) {
        throw invalid(name, name + " must be at most " + maxLength + " characters, got " + stripped.length());
      }
      return stripped.isEmpty() ? null : stripped;
    };
  }

  private static FieldRule oneOf(List<String> allowed) {
    return (name, value) -> {
      if (!(value instanceof String s) || !allowed.contains(s.strip().toLowerCase(Locale.ROOT))) {
        throw invalid(name, name + " must be one of " + String.join(", ", allowed));
      }
      return s.strip().toLowerCase(Locale.ROOT);
    };
  }

  private static Object hours(String name, Object value) {
    if (!(value instanceof JsonObject hours)) {
      throw invalid(name, name + " must be a JSON object");
    }
    if (hours.encode().length() > MAX_HOURS_JSON_LENGTH) {
      throw invalid(name, name + " must be at most " + MAX_HOURS_JSON_LENGTH + " characters of JSON");
    }
    return hours;
  }

  /**
   * An IANA zone name the JDK knows as a region ({@code America/New_York}, {@code UTC}), in its
   * canonical spelling whatever the case given; offsets ({@code +02:00}, {@code GMT+2}) and
   * abbreviations ({@code EST}) are refused: a restaurant's zone must follow its region's
   * daylight-saving rules.
   */
  private static Object timeZone(String name, Object value) {
    if (!(value instanceof String s)) {
      throw invalid(name, name + " must be a string");
    }
    String zone = TimeZones.canonical(s.strip());
    if (zone == null) {
      throw invalid(name, name + " must be an IANA time zone name such as America/New_York or Europe/London");
    }
    return zone;
  }

  private static Object integer(String name, Object value, int min, int max) {
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw invalid(name, name + " must be an integer");
    }
    return (int) wholeRange(name, n.doubleValue(), min, max);
  }

  private static double wholeRange(String name, double value, int min, int max) {
    if (value < min || value > max) {
      throw invalid(name, name + " must be between " + min + " and " + max + ", got " + format(value));
    }
    return value;
  }

  private static Object number(String name, Object value, double min, double max) {
    if (!(value instanceof Number n)) {
      throw invalid(name, name + " must be a number");
    }
    return range(name, n.doubleValue(), min, max);
  }
}
