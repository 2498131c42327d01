package io.consolidb.restaurant;

import io.consolidb.Addresses;
import io.consolidb.service.InProcessServices;
import io.consolidb.service.ReadOnly;
import io.vertx.codegen.annotations.Nullable;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

/**
 * The restaurant directory, served on the clustered address {@code consolidb.restaurants}.
 *
 * <p>A restaurant is a JSON object with snake_case keys: {@code id, name, address, city, state,
 * postal_code, phone, website, kosher_category, certifying_agency, hours} (a JSON object),
 * {@code price_range, rating, status, latitude, longitude, created_at, updated_at} (ISO-8601),
 * {@code time_zone} (an IANA name such as {@code America/New_York}: the wall clock of its hours).
 *
 * <p>{@code hours} maps days ({@code mon}…{@code sun}, or full names) to spans
 * {@code "HH:MM-HH:MM"}, several separated by commas; a span that closes at or before it opens
 * ends the next day ({@code "20:00-02:00"}); a closed day is null or absent. Only hours written
 * so count for {@code open_now} / {@code open_at}; others are stored as given.
 *
 * <p>Every method fails with a {@code ServiceException} whose {@code failureCode()} is one of
 * {@link io.consolidb.FailureCodes}: 400 when an argument is invalid (the message says why and
 * {@code getDebugInfo()} is {@code {"parameter": name}}, or {@code {"parameters": [names]}} when
 * several fields are at fault), 404 when the restaurant does not exist, 409 on a conflict, 429
 * when the database is saturated, 503 when it is unavailable, 504 when it did not answer in
 * time. The bounds are in {@link RestaurantLimits}.
 *
 * <p>When the serving node caches query results (README "Caching"), the reads ({@code get},
 * {@code near}, {@code byCity}, {@code search}) return a {@link io.consolidb.service.CachedRead}
 * that tells an in-process caller whether the cache answered (the HTTP API's {@code X-Cache}
 * header); over the event bus the result is the same JSON without it.
 */
@ProxyGen
@VertxGen
public interface RestaurantService {

  /**
   * The event-bus proxy of the service, wherever in the cluster it is deployed (on the node that
   * serves it, the node's own callers use {@link InProcessServices#inProcessOrProxy} instead).
   *
   * @param timeoutMs how long a call waits for the reply before failing with
   *     {@code ReplyFailure.TIMEOUT}; make it longer than the query timeout so that a slow query
   *     is reported by the service itself (504) rather than by the event bus
   */
  static RestaurantService createProxy(Vertx vertx, long timeoutMs) {
    return InProcessServices.eventBusProxy(vertx, RestaurantService.class, Addresses.RESTAURANTS, timeoutMs);
  }

  /**
   * As {@link #createProxy(Vertx, long)} for an application that is not a cluster member: every call
   * carries {@code token}, a caller token from {@code consolidb token} (docs/CLIENT.md).
   */
  static RestaurantService createCallerProxy(Vertx vertx, long timeoutMs, String token) {
    return InProcessServices.eventBusProxy(vertx, RestaurantService.class, Addresses.RESTAURANTS, timeoutMs, token);
  }

  /** The restaurant with this id, or 404. */
  @ReadOnly
  Future<JsonObject> get(long id);

  /**
   * Restaurants within {@code radiusKm} of a point, nearest first:
   * {@code {"items": [restaurant + "distance_km"], "count": n}}.
   *
   * @param latitude  degrees, -90 to 90
   * @param longitude degrees, -180 to 180
   * @param radiusKm  greater than 0, at most {@link RestaurantLimits#MAX_RADIUS_KM}
   * @param limit     1 to {@link RestaurantLimits#MAX_LIMIT}
   */
  @ReadOnly
  Future<JsonObject> near(double latitude, double longitude, double radiusKm, int limit);

  /**
   * One page of a city's restaurants (case-insensitive match), ordered by name:
   * {@code {"items": [...], "count": items on this page, "page", "size", "has_more"}}, and, when
   * more follow, {@code "next"}: the cursor of the following page for {@link #byCityAfter}. A deep
   * page by number makes the database read and drop every row before it; the cursor does not.
   *
   * @param page 1-based, at most {@link RestaurantLimits#MAX_PAGE}
   * @param size 1 to {@link RestaurantLimits#MAX_PAGE_SIZE}
   */
  @ReadOnly
  Future<JsonObject> byCity(String city, int page, int size);

  /**
   * Full-text search over name, city and address (web-search syntax: {@code "kosher pizza"
   * -dairy}), best match first: {@code {"items": [...], "count": n}}.
   *
   * @param query not blank, at most {@link RestaurantLimits#MAX_QUERY_LENGTH} characters
   * @param limit 1 to {@link RestaurantLimits#MAX_LIMIT}
   */
  @ReadOnly
  Future<JsonObject> search(String query, int limit);

  /**
   * {@link #near} narrowed by {@code filters} (null or empty: none), and optionally ordered by
   * rating. The filters, each optional, keys in snake_case as in the HTTP query string:
   * <ul>
   *   <li>{@code kosher_category}, {@code certifying_agency}, {@code status}: one value (a string)
   *       or several (an array, at most {@link RestaurantLimits#MAX_FILTER_VALUES}); a restaurant
   *       matches when its value is one of them (without case for the agency);</li>
   *   <li>{@code min_price}, {@code max_price}: integers 1 to 4, inclusive bounds of
   *       {@code price_range};</li>
   *   <li>{@code min_rating}: a number 0 to 5 ({@code rating >= min_rating});</li>
   *   <li>{@code open_now}: {@code true} keeps the restaurants open now (false: no filter);
   *       {@code open_at}: an ISO-8601 instant with an offset ({@code 2026-12-05T18:30:00Z}),
   *       keeps those open then; not both. Open means {@code status} {@code open} and the instant,
   *       on the restaurant's wall clock ({@code time_zone}, daylight saving included), inside one
   *       of its spans, to the minute;</li>
   *   <li>{@code sort} (radius results only): {@code distance} (the default: nearest first) or
   *       {@code rating} (best first, unrated last, then nearest).</li>
   * </ul>
   * A restaurant without the filtered field (no category, no rating…) never matches a filter on
   * it. An unknown filter or a bad value fails with 400 naming it.
   */
  @ReadOnly
  Future<JsonObject> nearFiltered(double latitude, double longitude, double radiusKm, int limit,
      @Nullable JsonObject filters);

  /** {@link #byCity} narrowed by {@code filters}, as {@link #nearFiltered} describes (no {@code sort}). */
  @ReadOnly
  Future<JsonObject> byCityFiltered(String city, int page, int size, @Nullable JsonObject filters);

  /**
   * The page of a city's restaurants after {@code cursor}, narrowed by {@code filters} as
   * {@link #byCityFiltered} (keyset pagination on name, then id: a deep page costs what the first
   * costs): {@code {"items": [...], "count": items on this page, "size", "has_more"}}, and
   * {@code "next"} when more follow (absent on the last page). Rows inserted or deleted between two
   * pages never make a page repeat a row, nor skip one present throughout (unless its name changed:
   * it moved in the order).
   *
   * @param cursor null for the first page (page 1, as {@link #byCityFiltered} answers it, with
   *     {@code "page": 1}); else the {@code next} of the previous page of the same
   *     listing (this city and these filters), unchanged. A token that is not one, was altered or
   *     cut, or belongs to another listing fails with 400 naming {@code cursor}.
   * @param size 1 to {@link RestaurantLimits#MAX_PAGE_SIZE}; it may change from page to page
   */
  @ReadOnly
  Future<JsonObject> byCityAfter(String city, @Nullable String cursor, int size, @Nullable JsonObject filters);

  /** {@link #search} narrowed by {@code filters}, as {@link #nearFiltered} describes (no {@code sort}). */
  @ReadOnly
  Future<JsonObject> searchFiltered(String query, int limit, @Nullable JsonObject filters);

  /**
   * Creates a restaurant and returns it as stored (with {@code id}, {@code status} defaulting to
   * {@code open}, {@code time_zone} to its city's (UTC for a city the directory does not know; an
   * unknown zone fails with 400), timestamps). {@code name}, {@code city}, {@code latitude} and
   * {@code longitude} are required; unknown or read-only fields are refused.
   */
  Future<JsonObject> create(JsonObject restaurant);

  /**
   * Changes the given fields of a restaurant (JSON merge patch: a field set to {@code null} is
   * cleared; required fields cannot be cleared; a cleared {@code time_zone} becomes the city's)
   * and returns it as stored, or 404.
   */
  Future<JsonObject> update(long id, JsonObject changes);

  /** Deletes a restaurant: {@code {"id": id, "deleted": true}}, or 404. */
  Future<JsonObject> delete(long id);

  /**
   * {@link #create} under an idempotency key (docs/CLIENT.md, "Retrying writes"): the first call
   * with a key creates and stores the answer with the restaurant, in one transaction; a call with
   * the same key and the same restaurant returns that answer without creating another; with
   * another restaurant it fails with 422. A failed call stores nothing: retry it with the same key.
   *
   * @param idempotencyKey 1 to 255 visible ASCII characters, unique per intended write (a UUID);
   *     null: as {@link #create}
   */
  Future<JsonObject> createIdempotent(JsonObject restaurant, @Nullable String idempotencyKey);

  /** {@link #update} under an idempotency key, as {@link #createIdempotent} describes. */
  Future<JsonObject> updateIdempotent(long id, JsonObject changes, @Nullable String idempotencyKey);

  /** {@link #delete} under an idempotency key, as {@link #createIdempotent} describes. */
  Future<JsonObject> deleteIdempotent(long id, @Nullable String idempotencyKey);
}
