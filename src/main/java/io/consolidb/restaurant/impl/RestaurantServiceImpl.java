package io.consolidb.restaurant.impl;

import io.consolidb.FailureCodes;
import io.consolidb.cache.CacheSpec;
import io.consolidb.idempotency.IdempotencySql;
import io.consolidb.idempotency.IdempotentWrites;
import io.consolidb.idempotency.IdempotentWrites.Claim;
import io.consolidb.idempotency.IdempotentWrites.Outcome;
import io.consolidb.query.QueryClient;
import io.consolidb.query.QueryResult;
import io.consolidb.restaurant.RestaurantHits;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.service.CachedRead;
import io.consolidb.service.ServiceFailures;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The restaurant service over the query verticle. Arguments are validated here, before any SQL
 * runs; every failure leaves as a {@link ServiceException} with a {@link FailureCodes} code and a
 * message written here (the database's own text, which may quote values or SQL, stays in the
 * query layer's logs). Operation names ({@code restaurants.near}, …) are the low-cardinality
 * labels of the query metrics.
 *
 * <p>Caching: every read is cached under a readable key ({@code restaurants:near:…},
 * {@code restaurants:city:…}, {@code restaurants:search:…}, {@code restaurants:id:…}) with the
 * node's default TTL and the table tag {@value #TAG}; every write drops that tag on all nodes
 * before it answers (and the table's NOTIFY trigger does the same for writes made elsewhere), so
 * the TTL only bounds memory, never staleness. Rows of a cached result are shared with other
 * readers, so nothing here mutates a row: transformations copy. When the node caches, a read
 * returns a {@link CachedRead} saying whether the cache answered (the HTTP API's {@code X-Cache}).
 */
public final class RestaurantServiceImpl implements RestaurantService, RestaurantHits {

  private static final Logger LOG = LoggerFactory.getLogger(RestaurantServiceImpl.class);

  /** The table tag of every cached restaurant read; the writes invalidate it. */
  static final String TAG = "restaurants";
  private static final List<String> TAGS = List.of(TAG);

  private final QueryClient queries;
  private final IdempotentWrites keys;
  private final ServiceFailures failures = new ServiceFailures("restaurant service", LOG,
      "the database refused the values", "the change conflicts with the stored restaurants");

  public RestaurantServiceImpl(QueryClient queries) {
    this.queries = queries;
    this.keys = new IdempotentWrites(queries);
  }

  @Override
  public Future<JsonObject> get(long id) {
    return failures.guarded("get", () -> {
      RestaurantValidator.id(id);
      return queries.lookupCached("restaurants.get", RestaurantSql.BY_ID, JsonArray.of(id),
              cache("restaurants:id:" + id))
          .recover(failure -> failures.fromQuery("restaurants.get", failure))
          .compose(result -> found(result, id).map(row -> mark(row, result)));
    });
  }

  @Override
  public JsonObject cachedById(long id) {
    if (id <= 0) {
      return null; // get answers the 400
    }
    QueryResult result = queries.lookupIfCached("restaurants.get", RestaurantSql.BY_ID, JsonArray.of(id),
        cache("restaurants:id:" + id));
    JsonObject row = result == null || result.stale() ? null : result.firstRow();
    return row == null ? null : mark(row, result);
  }

  @Override
  public Future<JsonObject> near(double latitude, double longitude, double radiusKm, int limit) {
    return nearFiltered(latitude, longitude, radiusKm, limit, null);
  }

  @Override
  public Future<JsonObject> nearFiltered(double latitude, double longitude, double radiusKm, int limit,
      JsonObject filters) {
    return failures.guarded("near", () -> {
      JsonArray params = JsonArray.of(RestaurantValidator.latitude(latitude),
          RestaurantValidator.longitude(longitude), RestaurantValidator.radiusKm(radiusKm) * 1000.0,
          RestaurantValidator.limit(limit));
      RestaurantFilter filter = RestaurantFilter.parse(filters, true);
      String sql = filter.isNone() ? RestaurantSql.NEAR : RestaurantSql.near(filter.conditions(params), filter.byRating());
      // Double.toString: exact, so two different points never share an entry
      String key = "restaurants:near:" + latitude + ":" + longitude + ":" + radiusKm + ":" + limit + filter.keyPart();
      // sorted by rating, a read sorts every match in the radius: worth one node running it for all
      return queries.readCached("restaurants.near", sql, params, cache(key, filter.byRating()))
          .recover(failure -> failures.fromQuery("restaurants.near", failure))
          .map(result -> mark(items(result.rows()), result));
    });
  }

  @Override
  public Future<JsonObject> byCity(String city, int page, int size) {
    return byCityFiltered(city, page, size, null);
  }

  @Override
  public Future<JsonObject> byCityFiltered(String city, int page, int size, JsonObject filters) {
    return failures.guarded("byCity", () -> {
      String name = RestaurantValidator.city(city);
      RestaurantValidator.page(page);
      RestaurantValidator.size(size);
      // One row more than the page tells whether another page follows, without a COUNT(*).
      JsonArray params = JsonArray.of(name, size + 1, (page - 1) * size);
      RestaurantFilter filter = RestaurantFilter.parse(filters, false);
      String sql = filter.isNone() ? RestaurantSql.BY_CITY : RestaurantSql.byCity(filter.conditions(params));
      String key = "restaurants:city:" + encode(name) + ":p" + page + ":s" + size + filter.keyPart();
      return queries.readCached("restaurants.by_city", sql, params, cache(key))
          .recover(failure -> failures.fromQuery("restaurants.by_city", failure))
          .map(result -> mark(cityPage(result.rows(), size, page, CityCursor.listing(name, filter)), result));
    });
  }

  @Override
  public Future<JsonObject> byCityAfter(String city, String cursor, int size, JsonObject filters) {
    if (cursor == null) {
      // the first page is page 1: the same statement, answer and cache entry
      return byCityFiltered(city, 1, size, filters);
    }
    return failures.guarded("byCityAfter", () -> {
      String name = RestaurantValidator.city(city);
      RestaurantValidator.size(size);
      RestaurantFilter filter = RestaurantFilter.parse(filters, false);
      String listing = CityCursor.listing(name, filter);
      CityCursor after = CityCursor.parse(cursor, listing);
      JsonArray params = JsonArray.of(name, after.name(), after.id(), size + 1);
      String sql = filter.isNone() ? RestaurantSql.BY_CITY_AFTER : RestaurantSql.byCityAfter(filter.conditions(params));
      // cached like the numbered pages, under the normalised position, with the same tag
      String key = "restaurants:city:" + encode(name) + after.keyPart() + ":s" + size + filter.keyPart();
      return queries.readCached("restaurants.by_city_after", sql, params, cache(key))
          .recover(failure -> failures.fromQuery("restaurants.by_city_after", failure))
          .map(result -> mark(cityPage(result.rows(), size, null, listing), result));
    });
  }

  /**
   * A page of a city from {@code rows}, read with one row more than the page (which tells whether
   * another page follows, without a COUNT(*)): its number when it has one, and {@code next}, the
   * cursor after its last item, when more follow.
   */
  private static JsonObject cityPage(JsonArray rows, int size, Integer page, String listing) {
    boolean more = rows.size() > size;
    JsonArray items = more ? new JsonArray(rows.getList().subList(0, size)) : rows;
    JsonObject result = items(items);
    if (page != null) {
      result.put("page", page);
    }
    result.put("size", size).put("has_more", more);
    return more ? result.put("next", CityCursor.after(items.getJsonObject(size - 1)).token(listing)) : result;
  }

  @Override
  public Future<JsonObject> search(String query, int limit) {
    return searchFiltered(query, limit, null);
  }

  @Override
  public Future<JsonObject> searchFiltered(String query, int limit, JsonObject filters) {
    return failures.guarded("search", () -> {
      JsonArray params = JsonArray.of(RestaurantValidator.query(query), RestaurantValidator.limit(limit), 0);
      RestaurantFilter filter = RestaurantFilter.parse(filters, false);
      String sql = filter.isNone() ? RestaurantSql.SEARCH : RestaurantSql.search(filter.conditions(params));
      String key = "restaurants:search:" + encode(params.getString(0)) + ":" + limit + filter.keyPart();
      return queries.readCached("restaurants.search", sql, params, cache(key, true))
          .recover(failure -> failures.fromQuery("restaurants.search", failure))
          .map(result -> mark(items(result.rows()), result));
    });
  }

  @Override
  public Future<JsonObject> create(JsonObject restaurant) {
    return createIdempotent(restaurant, null);
  }

  @Override
  public Future<JsonObject> createIdempotent(JsonObject restaurant, String idempotencyKey) {
    return failures.guarded("create", () -> {
      Claim claim = Claim.of("restaurants.create", idempotencyKey, restaurant);
      JsonArray params = RestaurantValidator.newRestaurant(restaurant);
      return write("restaurants.create", RestaurantSql.INSERT, params, claim)
          .compose(outcome -> outcome.firstRow() != null
              ? Future.succeededFuture(outcome.mark(outcome.firstRow()))
              // INSERT … RETURNING always returns the row; without one nothing can be promised
              : Future.failedFuture(FailureCodes.unavailable("the restaurant could not be stored")));
    });
  }

  @Override
  public Future<JsonObject> update(long id, JsonObject changes) {
    return updateIdempotent(id, changes, null);
  }

  @Override
  public Future<JsonObject> updateIdempotent(long id, JsonObject changes, String idempotencyKey) {
    return failures.guarded("update", () -> {
      Claim claim = Claim.of("restaurants.update", idempotencyKey, id, changes);
      RestaurantValidator.id(id);
      JsonObject patch = RestaurantValidator.changes(changes);
      return write("restaurants.update", RestaurantSql.UPDATE, JsonArray.of(id, patch), claim)
          .compose(outcome -> found(outcome, id).map(outcome::mark));
    });
  }

  @Override
  public Future<JsonObject> delete(long id) {
    return deleteIdempotent(id, null);
  }

  @Override
  public Future<JsonObject> deleteIdempotent(long id, String idempotencyKey) {
    return failures.guarded("delete", () -> {
      Claim claim = Claim.of("restaurants.delete", idempotencyKey, id);
      RestaurantValidator.id(id);
      return write("restaurants.delete", RestaurantSql.DELETE, JsonArray.of(id), claim)
          .compose(outcome -> found(outcome, id)
              .map(row -> outcome.mark(new JsonObject().put("id", id).put("deleted", true))));
    });
  }

  /**
   * A write that invalidates the restaurant reads, under {@code claim}'s key when there is one
   * (then a replay writes nothing and so invalidates nothing).
   */
  private Future<Outcome> write(String operation, String sql, JsonArray params, Claim claim) {
    Future<Outcome> written = claim == null
        ? queries.write(operation, sql, params, TAGS).map(result -> Outcome.written(result.rows()))
        : keys.run(claim, RestaurantSql.REPLAY, c -> queries.write(operation,
            IdempotencySql.keyed(sql, params.size()), c.params(params), TAGS).map(QueryResult::rows));
    return written.recover(failure -> failures.fromQuery(operation, failure));
  }

  private static Future<JsonObject> found(Outcome outcome, long id) {
    JsonObject row = outcome.firstRow();
    return row != null
        ? Future.succeededFuture(row)
        : Future.failedFuture(FailureCodes.notFound("restaurant " + id + " not found"));
  }

  private static Future<JsonObject> found(QueryResult result, long id) {
    JsonObject row = result.firstRow();
    return row != null
        ? Future.succeededFuture(row)
        : Future.failedFuture(FailureCodes.notFound("restaurant " + id + " not found"));
  }

  /**
   * The rows as they are: they may be a shared cached value, handed out without a copy because
   * nobody changes them (callers get results read-only: copied by the event bus, or shared with
   * an in-process caller, see InProcessServices).
   */
  private static JsonObject items(JsonArray rows) {
    return new JsonObject().put("items", rows).put("count", rows.size());
  }

  private static CacheSpec cache(String key) {
    return cache(key, false);
  }

  /**
   * {@code clusterWide} for the expensive reads (a full-text search, a radius sorted by rating):
   * of the nodes missing one at once, one runs it (docs/CACHE.md "Cluster-wide single flight");
   * a cheap read would pay the Redis lease for nothing.
   */
  private static CacheSpec cache(String key, boolean clusterWide) {
    return new CacheSpec(null, key, TAGS, clusterWide);
  }

  /** The result, saying whether the cache answered it, when the node caches (the result itself is not changed). */
  private JsonObject mark(JsonObject result, QueryResult from) {
    if (!queries.caching()) {
      return result;
    }
    return from.stale() ? CachedRead.stale(result, from.ageSeconds()) : CachedRead.of(result, from.cached());
  }

  /** Injective and free of glob characters: distinct inputs never share a cache entry. */
  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("*", "%2A");
  }

}
