package io.consolidb.restaurant.impl;

import static io.consolidb.restaurant.RestaurantLimits.*;
import static io.consolidb.service.InputCheck.invalid;

import io.consolidb.service.InputCheck;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * The optional filters of {@code near}, {@code byCity} and {@code search}, checked and normalised
 * once: the SQL conditions they add (values bound, never spliced) and the part of the cache key
 * they contribute. Normalised means equivalent requests look the same: multi-values lower-cased,
 * de-duplicated and sorted, numbers in one canonical form, the default sort left out; so two
 * equivalent requests share a cache entry and the unfiltered request keeps its old key.
 *
 * <p>The conditions are never index conditions: they filter the rows the access path's index
 * delivers (the location index inside the radius, the city index inside the city, the full-text
 * index's matches), so the rows a filtered read can examine are bounded by the unfiltered access
 * path ({@code RestaurantQueryPlanTest} checks the plans).
 */
record RestaurantFilter(List<String> categories, List<String> agencies, Integer minPrice,
    Integer maxPrice, BigDecimal minRating, List<String> statuses, boolean byRating, Instant openAt) {

  /** The filter names, as callers (and the HTTP query string) write them. */
  static final Set<String> NAMES = Set.of("kosher_category", "certifying_agency", "min_price",
      "max_price", "min_rating", "status", "sort", OpenAt.OPEN_NOW, OpenAt.OPEN_AT);
  static final String SORT_DISTANCE = "distance";
  static final String SORT_RATING = "rating";

  /** No filter at all: the statements and cache keys of the unfiltered reads. */
  static final RestaurantFilter NONE = new RestaurantFilter(List.of(), List.of(), null, null, null, List.of(), false, null);

  /**
   * The filters of a caller, checked; {@code null} or empty is {@link #NONE}. Throws a 400 naming
   * the filter at fault.
   *
   * @param sortable whether {@code sort} is allowed (radius results only)
   */
  static RestaurantFilter parse(JsonObject filters, boolean sortable) {
    return parse(filters, sortable, Clock.systemUTC());
  }

  /** {@link #parse(JsonObject, boolean)} with the clock {@code open_now} reads. */
  static RestaurantFilter parse(JsonObject filters, boolean sortable, Clock clock) {
    if (filters == null || filters.isEmpty()) {
      return NONE;
    }
    InputCheck.refuseUnknown(filters, NAMES, Set.of());
    List<String> categories = values(filters, "kosher_category", v -> oneOf("kosher_category", v, KOSHER_CATEGORIES));
    List<String> agencies = values(filters, "certifying_agency", RestaurantFilter::agency);
    List<String> statuses = values(filters, "status", v -> oneOf("status", v, STATUSES));
    Integer minPrice = price(filters, "min_price");
    Integer maxPrice = price(filters, "max_price");
    if (minPrice != null && maxPrice != null && minPrice > maxPrice) {
      throw invalid(List.of("min_price", "max_price"),
          "min_price must not exceed max_price, got " + minPrice + " and " + maxPrice);
    }
    BigDecimal minRating = rating(filters);
    boolean byRating = sort(filters, sortable);
    Instant openAt = OpenAt.parse(filters, clock);
    return new RestaurantFilter(categories, agencies, minPrice, maxPrice, minRating, statuses, byRating, openAt);
  }

  boolean isNone() {
    return equals(NONE);
  }

  /**
   * The conditions, each starting with {@code " AND "}, whose values are appended to
   * {@code params} (so they are numbered after the statement's own parameters).
   */
  String conditions(JsonArray params) {
    StringBuilder sql = new StringBuilder();
    if (!categories.isEmpty()) {
      sql.append(" AND kosher_category = ANY(").append(bind(params, new JsonArray(categories))).append("::text[])");
    }
    if (!agencies.isEmpty()) {
      // lower(): agencies are matched without case, as the city is
      sql.append(" AND lower(certifying_agency) = ANY(").append(bind(params, new JsonArray(agencies))).append("::text[])");
    }
    if (minPrice != null) {
      sql.append(" AND price_range >= ").append(bind(params, minPrice)).append("::smallint");
    }
    if (maxPrice != null) {
      sql.append(" AND price_range <= ").append(bind(params, maxPrice)).append("::smallint");
    }
    if (minRating != null) {
      sql.append(" AND rating >= ").append(bind(params, minRating.doubleValue())).append("::numeric");
    }
    if (!statuses.isEmpty()) {
      sql.append(" AND status = ANY(").append(bind(params, new JsonArray(statuses))).append("::text[])");
    }
    if (openAt != null) {
      // last: the costliest check, so it runs only on rows the others let through
      sql.append(OpenAt.condition(openAt, params));
    }
    return sql.toString();
  }

  /**
   * The cache-key suffix: empty for {@link #NONE}, else {@code ":f:"} and the normalised filters,
   * each value URL-encoded (so the separators cannot occur inside one, and no glob character
   * either): injective, distinct filters never share an entry.
   */
  String keyPart() {
    return keyPart(true);
  }

  /**
   * What a city listing's cursor is bound to ({@link CityCursor#listing}): the key part with an
   * open filter's instant left out. An {@code open_now} listing moves to the next minute while a
   * client pages through it; its cursor must stay good (the position in the order still is).
   */
  String listingPart() {
    return keyPart(false);
  }

  private String keyPart(boolean withInstant) {
    if (isNone()) {
      return "";
    }
    StringBuilder key = new StringBuilder(":f");
    part(key, "kc", categories);
    part(key, "ca", agencies);
    if (minPrice != null) {
      key.append(":pmin=").append(minPrice);
    }
    if (maxPrice != null) {
      key.append(":pmax=").append(maxPrice);
    }
    if (minRating != null) {
      key.append(":mr=").append(minRating.toPlainString());
    }
    part(key, "st", statuses);
    if (openAt != null) {
      key.append(withInstant ? OpenAt.keyPart(openAt) : ":open");
    }
    if (byRating) {
      key.append(":sort=rating");
    }
    return key.toString();
  }

  private static void part(StringBuilder key, String name, List<String> values) {
    if (!values.isEmpty()) {
      key.append(':').append(name).append('=');
      for (int i = 0; i < values.size(); i++) {
        key.append(i == 0 ? "" : ",").append(URLEncoder.encode(values.get(i), StandardCharsets.UTF_8).replace("*", "%2A"));
      }
    }
  }

  private static String bind(JsonArray params, Object value) {
    params.add(value);
    return "$" + params.size();
  }

  /** One value (a string) or several (an array of strings), each checked, then de-duplicated and sorted. */
  private static List<String> values(JsonObject filters, String name, UnaryOperator<String> check) {
    Object value = filters.getValue(name);
    if (value == null) {
      return List.of();
    }
    List<?> given = value instanceof JsonArray array ? array.getList() : List.of(value);
    if (given.isEmpty()) {
      throw invalid(name, name + " must name at least one value");
    }
    if (given.size() > MAX_FILTER_VALUES) {
      throw invalid(name, name + " may name at most " + MAX_FILTER_VALUES + " values, got " + given.size());
    }
    TreeSet<String> normalised = new TreeSet<>();
    for (Object one : given) {
      if (!(one instanceof String s)) {
        throw invalid(name, name + " must be a string or an array of strings");
      }
      normalised.add(check.apply(s.strip().toLowerCase(Locale.ROOT)));
    }
    return List.copyOf(normalised);
  }

  private static String oneOf(String name, String value, List<String> allowed) {
    if (!allowed.contains(value)) {
      throw invalid(name, name + " must be one of " + String.join(", ", allowed));
    }
    return value;
  }

  private static String agency(String value) {
    if (value.isEmpty()) {
      throw invalid("certifying_agency", "certifying_agency must not be blank");
    }
    if (value.length() > MAX_CERTIFYING_AGENCY_LENGTH) {
      throw invalid("certifying_agency", "certifying_agency must be at most " + MAX_CERTIFYING_AGENCY_LENGTH
          + " characters, got " + value.length());
    }
    return value;
  }

  private static Integer price(JsonObject filters, String name) {
    Object value = filters.getValue(name);
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())
        || n.doubleValue() < MIN_PRICE_RANGE || n.doubleValue() > MAX_PRICE_RANGE) {
      throw invalid(name, name + " must be an integer between " + MIN_PRICE_RANGE + " and " + MAX_PRICE_RANGE);
    }
    return n.intValue();
  }

  /**
   * The minimum rating rounded up to the tenth (4.05 and 4.1 keep the same restaurants, ratings
   * being stored with one decimal, and so share a key), without trailing zeros.
   */
  private static BigDecimal rating(JsonObject filters) {
    Object value = filters.getValue("min_rating");
    if (value == null) {
      return null;
    }
    if (!(value instanceof Number n) || !(n.doubleValue() >= MIN_RATING && n.doubleValue() <= MAX_RATING)) {
      throw invalid("min_rating", "min_rating must be a number between " + (int) MIN_RATING + " and " + (int) MAX_RATING);
    }
    BigDecimal tenths = new BigDecimal(n.toString()).setScale(1, RoundingMode.CEILING);
    return tenths.signum() == 0 ? BigDecimal.ZERO : tenths.stripTrailingZeros();
  }

  private static boolean sort(JsonObject filters, boolean sortable) {
    Object value = filters.getValue("sort");
    if (value == null) {
      return false;
    }
    if (!sortable) {
      throw invalid("sort", "sort applies to restaurants near a point only");
    }
    if (!(value instanceof String s)
        || !List.of(SORT_DISTANCE, SORT_RATING).contains(s.strip().toLowerCase(Locale.ROOT))) {
      throw invalid("sort", "sort must be one of " + SORT_DISTANCE + ", " + SORT_RATING);
    }
    return s.strip().equalsIgnoreCase(SORT_RATING);
  }
}
