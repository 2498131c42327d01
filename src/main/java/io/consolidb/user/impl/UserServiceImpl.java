package io.consolidb.user.impl;

import io.consolidb.FailureCodes;
import io.consolidb.cache.CacheSpec;
import io.consolidb.idempotency.IdempotencySql;
import io.consolidb.idempotency.IdempotentWrites;
import io.consolidb.idempotency.IdempotentWrites.Claim;
import io.consolidb.idempotency.IdempotentWrites.Outcome;
import io.consolidb.metrics.ServiceStats;
import io.consolidb.query.QueryClient;
import io.consolidb.query.QueryResult;
import io.consolidb.service.CachedRead;
import io.consolidb.service.ServiceFailures;
import io.consolidb.user.UserLimits;
import io.consolidb.user.UserService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user service over the query verticle. Arguments are validated before any SQL runs; every
 * failure leaves as a {@link ServiceException} with a {@link FailureCodes} code and a message
 * written here. E-mail addresses never reach a log line or a metric: failures are logged with
 * the operation name and code only (the database's text could quote the address).
 *
 * <p>Caching: {@link #get} ({@code users:id:<id>}) and {@link #favorites}
 * ({@code users:favorites:<id>}) read through the node's cache, keyed by the user id alone; a
 * lookup by e-mail is never cached (the address would be in the key). Each entry carries the tags
 * of the tables it reads, which the NOTIFY triggers of migration V4 drop on every node whoever
 * writes, and a per-user tag that this service's writes drop before they answer:
 * {@code user:<id>} (the user's row: update, delete) and {@code favorites:<id>} (the user's
 * favourites: add, remove, delete). A create drops the {@code users} table tag: a read of an id
 * not yet created (404) is cached like any result, and the new user may take that id. The
 * favourites embed restaurant summaries, so they carry {@code restaurants} too and a restaurant
 * write drops them. A replayed idempotent write writes nothing and so invalidates nothing.
 * Rows of a cached result are shared with other readers: nothing here mutates a row.
 */
public final class UserServiceImpl implements UserService {

  private static final Logger LOG = LoggerFactory.getLogger(UserServiceImpl.class);
  private static final String EMAIL_TAKEN = "a user with this email address already exists";
  /** The table tag of every cached user read; a create drops it. */
  static final String USERS_TAG = "users";
  private static final List<String> CREATE_TAGS = List.of(USERS_TAG);

  private final QueryClient queries;
  private final IdempotentWrites keys;
  private final ServiceStats stats;
  private final ServiceFailures failures = new ServiceFailures("user service", LOG,
      "the database refused the values", "the change conflicts with stored data");

  public UserServiceImpl(QueryClient queries, ServiceStats stats) {
    this.queries = queries;
    this.keys = new IdempotentWrites(queries);
    this.stats = stats;
  }

  @Override
  public Future<JsonObject> create(JsonObject user) {
    return createIdempotent(user, null);
  }

  @Override
  public Future<JsonObject> createIdempotent(JsonObject user, String idempotencyKey) {
    return call("create", () -> {
      Claim claim = Claim.of("users.create", idempotencyKey, user);
      JsonArray params = UserValidator.newUser(user);
      return write("users.create", UserSql.INSERT, params, claim, UserSql.REPLAY, EMAIL_TAKEN, CREATE_TAGS)
          .compose(outcome -> outcome.firstRow() != null
              ? Future.succeededFuture(outcome.mark(outcome.firstRow()))
              : Future.failedFuture(FailureCodes.unavailable("the user could not be stored")));
    });
  }

  @Override
  public Future<JsonObject> get(long id) {
    return call("get", () -> {
      UserValidator.id("id", id);
      return queries.lookupCached("users.get", UserSql.BY_ID, JsonArray.of(id),
              new CacheSpec(null, "users:id:" + id, List.of(USERS_TAG, userTag(id))))
          .recover(failure -> failures.fromQuery("users.get", failure))
          .compose(result -> found(result, id).map(row -> mark(row, result)));
    });
  }

  @Override
  public Future<JsonObject> findByEmail(String email) {
    return call("findByEmail", () -> {
      String address = UserValidator.lookupEmail(email);
      return queries.lookup("users.find_by_email", UserSql.BY_EMAIL, JsonArray.of(address))
          .recover(failure -> failures.fromQuery("users.find_by_email", failure))
          .compose(result -> result.firstRow() != null
              ? Future.succeededFuture(result.firstRow())
              // never the address: it is personal data and would reach the client's logs
              : Future.failedFuture(FailureCodes.notFound("no user has this email address")));
    });
  }

  @Override
  public Future<JsonObject> update(long id, JsonObject changes) {
    return updateIdempotent(id, changes, null);
  }

  @Override
  public Future<JsonObject> updateIdempotent(long id, JsonObject changes, String idempotencyKey) {
    return call("update", () -> {
      Claim claim = Claim.of("users.update", idempotencyKey, id, changes);
      UserValidator.id("id", id);
      JsonObject patch = UserValidator.changes(changes);
      return write("users.update", UserSql.UPDATE, JsonArray.of(id, patch), claim, UserSql.REPLAY, EMAIL_TAKEN,
              List.of(userTag(id)))
          .compose(outcome -> found(outcome, id).map(outcome::mark));
    });
  }

  @Override
  public Future<JsonObject> delete(long id) {
    return deleteIdempotent(id, null);
  }

  @Override
  public Future<JsonObject> deleteIdempotent(long id, String idempotencyKey) {
    return call("delete", () -> {
      Claim claim = Claim.of("users.delete", idempotencyKey, id);
      UserValidator.id("id", id);
      JsonObject invalidate = new JsonObject().put("tags", JsonArray.of(userTag(id), favoritesTag(id)));
      Future<Outcome> deleted = claim == null
          ? deleteTransaction(UserSql.DELETE, JsonArray.of(id), invalidate).map(Outcome::written)
          : keys.run(claim, UserSql.REPLAY, c -> deleteTransaction(IdempotencySql.keyed(UserSql.DELETE, 1),
              c.params(JsonArray.of(id)), invalidate));
      return deleted
          .recover(failure -> failures.fromQuery("users.delete", failure, "the user is referenced elsewhere"))
          .compose(outcome -> outcome.firstRow() == null
              ? Future.failedFuture(userNotFound(id))
              : Future.succeededFuture(outcome.mark(new JsonObject().put("id", id).put("deleted", true))));
    });
  }

  /**
   * One transaction: the favourites and the user go together or not at all, and {@code invalidate}
   * is dropped once it has committed. The rows of the user's delete.
   */
  private Future<JsonArray> deleteTransaction(String deleteUser, JsonArray params, JsonObject invalidate) {
    JsonArray statements = JsonArray.of(
        new JsonObject().put("sql", UserSql.DELETE_FAVORITES_OF_USER).put("params", JsonArray.of(params.getValue(0))),
        new JsonObject().put("sql", deleteUser).put("params", params));
    return queries.transaction("users.delete", statements, invalidate)
        .map(results -> results.getJsonObject(1).getJsonArray("rows"));
  }

  @Override
  public Future<JsonObject> addFavorite(long userId, long restaurantId) {
    return addFavoriteIdempotent(userId, restaurantId, null);
  }

  @Override
  public Future<JsonObject> addFavoriteIdempotent(long userId, long restaurantId, String idempotencyKey) {
    return call("addFavorite", () -> {
      Claim claim = Claim.of("users.add_favorite", idempotencyKey, userId, restaurantId);
      UserValidator.id("userId", userId);
      UserValidator.id("restaurantId", restaurantId);
      JsonArray params = JsonArray.of(userId, restaurantId);
      List<String> tags = List.of(favoritesTag(userId));
      Future<Outcome> added = claim == null
          ? queries.write("users.add_favorite", UserSql.ADD_FAVORITE, params, tags).map(r -> Outcome.written(r.rows()))
          : keys.run(claim, UserSql.ADD_FAVORITE_REPLAY, c -> queries.write("users.add_favorite",
              UserSql.ADD_FAVORITE_KEYED, c.params(params), tags).map(QueryResult::rows));
      return added
          .recover(failure -> failures.fromQuery("users.add_favorite", failure,
              "the favourite conflicts with a concurrent change, retry"))
          .compose(outcome -> {
            JsonObject row = outcome.firstRow();
            if (row == null || !row.getBoolean("user_exists", false)) {
              return Future.failedFuture(userNotFound(userId));
            }
            if (!row.getBoolean("restaurant_exists", false)) {
              return Future.failedFuture(new ServiceException(FailureCodes.NOT_FOUND,
                  "restaurant " + restaurantId + " not found", new JsonObject().put("parameter", "restaurantId")));
            }
            return Future.succeededFuture(outcome.mark(new JsonObject().put("user_id", userId)
                .put("restaurant_id", restaurantId).put("added", row.getBoolean("added", false))));
          });
    });
  }

  @Override
  public Future<JsonObject> removeFavorite(long userId, long restaurantId) {
    return removeFavoriteIdempotent(userId, restaurantId, null);
  }

  @Override
  public Future<JsonObject> removeFavoriteIdempotent(long userId, long restaurantId, String idempotencyKey) {
    return call("removeFavorite", () -> {
      Claim claim = Claim.of("users.remove_favorite", idempotencyKey, userId, restaurantId);
      UserValidator.id("userId", userId);
      UserValidator.id("restaurantId", restaurantId);
      JsonArray params = JsonArray.of(userId, restaurantId);
      List<String> tags = List.of(favoritesTag(userId));
      Future<Outcome> removed = claim == null
          ? queries.write("users.remove_favorite", UserSql.REMOVE_FAVORITE, params, tags)
              .map(r -> Outcome.written(r.rows()))
          : keys.run(claim, UserSql.REMOVE_FAVORITE_REPLAY, c -> queries.write("users.remove_favorite",
              UserSql.REMOVE_FAVORITE_KEYED, c.params(params), tags).map(QueryResult::rows));
      return removed
          .recover(failure -> failures.fromQuery("users.remove_favorite", failure))
          .compose(outcome -> {
            JsonObject row = outcome.firstRow();
            if (row == null || !row.getBoolean("user_exists", false)) {
              return Future.failedFuture(userNotFound(userId));
            }
            return Future.succeededFuture(outcome.mark(new JsonObject().put("user_id", userId)
                .put("restaurant_id", restaurantId).put("removed", row.getBoolean("removed", false))));
          });
    });
  }

  @Override
  public Future<JsonObject> favorites(long userId) {
    return call("favorites", () -> {
      UserValidator.id("userId", userId);
      return queries.readCached("users.favorites", UserSql.FAVORITES,
              JsonArray.of(userId, UserLimits.MAX_FAVORITES_LISTED),
              new CacheSpec(null, "users:favorites:" + userId, List.of(USERS_TAG, "favorites", "restaurants",
                  favoritesTag(userId))))
          .recover(failure -> failures.fromQuery("users.favorites", failure))
          .compose(result -> {
            if (result.rows().isEmpty()) {
              return Future.failedFuture(userNotFound(userId));
            }
            JsonArray items = new JsonArray();
            for (int i = 0; i < result.rows().size(); i++) {
              JsonObject row = result.rows().getJsonObject(i);
              if (row.getValue("restaurant_id") == null) {
                continue; // the user exists and has no favourites
              }
              items.add(new JsonObject()
                  .put("restaurant_id", row.getValue("restaurant_id"))
                  .put("added_at", row.getValue("added_at"))
                  .put("restaurant", new JsonObject()
                      .put("id", row.getValue("restaurant_id"))
                      .put("name", row.getValue("name"))
                      .put("city", row.getValue("city"))
                      .put("address", row.getValue("address"))
                      .put("kosher_category", row.getValue("kosher_category"))
                      .put("price_range", row.getValue("price_range"))
                      .put("rating", row.getValue("rating"))
                      .put("status", row.getValue("status"))));
            }
            return Future.succeededFuture(mark(new JsonObject().put("items", items).put("count", items.size()),
                result));
          });
    });
  }

  /** One statement writing a user, dropping {@code tags}, under {@code claim}'s key when there is one. */
  private Future<Outcome> write(String operation, String sql, JsonArray params, Claim claim, String replaySql,
      String conflict, List<String> tags) {
    Future<Outcome> written = claim == null
        ? queries.write(operation, sql, params, tags).map(result -> Outcome.written(result.rows()))
        : keys.run(claim, replaySql, c -> queries.write(operation, IdempotencySql.keyed(sql, params.size()),
            c.params(params), tags).map(QueryResult::rows));
    return written.recover(failure -> failures.fromQuery(operation, failure, conflict));
  }

  private static Future<JsonObject> found(Outcome outcome, long id) {
    JsonObject row = outcome.firstRow();
    return row != null ? Future.succeededFuture(row) : Future.failedFuture(userNotFound(id));
  }

  private static Future<JsonObject> found(QueryResult result, long id) {
    JsonObject row = result.firstRow();
    return row != null ? Future.succeededFuture(row) : Future.failedFuture(userNotFound(id));
  }

  /** The tag of the cached reads of a user's own row. */
  static String userTag(long id) {
    return "user:" + id;
  }

  /** The tag of the cached reads of a user's favourites. */
  static String favoritesTag(long id) {
    return "favorites:" + id;
  }

  /** The result, saying whether the cache answered it, when the node caches (the result itself is not changed). */
  private JsonObject mark(JsonObject result, QueryResult from) {
    if (!queries.caching()) {
      return result;
    }
    return from.stale() ? CachedRead.stale(result, from.ageSeconds()) : CachedRead.of(result, from.cached());
  }

  private static ServiceException userNotFound(long id) {
    return new ServiceException(FailureCodes.NOT_FOUND, "user " + id + " not found");
  }


  /** A method body under the service's statistics, failing as {@link ServiceFailures#guarded} says. */
  private Future<JsonObject> call(String method, Supplier<Future<JsonObject>> body) {
    return stats.track(method, () -> failures.guarded(method, body));
  }
}
