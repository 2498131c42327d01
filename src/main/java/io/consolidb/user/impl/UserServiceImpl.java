package io.consolidb.user.impl;

import io.consolidb.FailureCodes;
import io.consolidb.idempotency.IdempotencySql;
import io.consolidb.idempotency.IdempotentWrites;
import io.consolidb.idempotency.IdempotentWrites.Claim;
import io.consolidb.idempotency.IdempotentWrites.Outcome;
import io.consolidb.metrics.ServiceStats;
import io.consolidb.query.QueryClient;
import io.consolidb.query.QueryResult;
import io.consolidb.service.ServiceFailures;
import io.consolidb.user.UserLimits;
import io.consolidb.user.UserService;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.serviceproxy.ServiceException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user service over the query verticle. Arguments are validated before any SQL runs; every
 * failure leaves as a {@link ServiceException} with a {@link FailureCodes} code and a message
 * written here. E-mail addresses never reach a log line or a metric: failures are logged with
 * the operation name and code only (the database's text could quote the address).
 */
public final class UserServiceImpl implements UserService {

  private static final Logger LOG = LoggerFactory.getLogger(UserServiceImpl.class);
  private static final String EMAIL_TAKEN = "a user with this email address already exists";

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
      return write("users.create", UserSql.INSERT, params, claim, UserSql.REPLAY, EMAIL_TAKEN)
          .compose(outcome -> outcome.firstRow() != null
              ? Future.succeededFuture(outcome.mark(outcome.firstRow()))
              : Future.failedFuture(FailureCodes.unavailable("the user could not be stored")));
    });
  }

  @Override
  public Future<JsonObject> get(long id) {
    return call("get", () -> {
      UserValidator.id("id", id);
      return queries.lookup("users.get", UserSql.BY_ID, JsonArray.of(id))
          .recover(failure -> failures.fromQuery("users.get", failure))
          .compose(result -> found(result, id));
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
      return write("users.update", UserSql.UPDATE, JsonArray.of(id, patch), claim, UserSql.REPLAY, EMAIL_TAKEN)
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
      Future<Outcome> deleted = claim == null
          ? deleteTransaction(UserSql.DELETE, JsonArray.of(id)).map(Outcome::written)
          : keys.run(claim, UserSql.REPLAY,
              c -> deleteTransaction(IdempotencySql.keyed(UserSql.DELETE, 1), c.params(JsonArray.of(id))));
      return deleted
          .recover(failure -> failures.fromQuery("users.delete", failure, "the user is referenced elsewhere"))
          .compose(outcome -> outcome.firstRow() == null
              ? Future.failedFuture(userNotFound(id))
              : Future.succeededFuture(outcome.mark(new JsonObject().put("id", id).put("deleted", true))));
    });
  }

  /** One transaction: the favourites and the user go together or not at all. The rows of the user's delete. */
  private Future<JsonArray> deleteTransaction(String deleteUser, JsonArray params) {
    JsonArray statements = JsonArray.of(
        new JsonObject().put("sql", UserSql.DELETE_FAVORITES_OF_USER).put("params", JsonArray.of(params.getValue(0))),
        new JsonObject().put("sql", deleteUser).put("params", params));
    return queries.transaction("users.delete", statements, null)
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
      Future<Outcome> added = claim == null
          ? queries.write("users.add_favorite", UserSql.ADD_FAVORITE, params).map(r -> Outcome.written(r.rows()))
          : keys.run(claim, UserSql.ADD_FAVORITE_REPLAY, c -> queries.write("users.add_favorite",
              UserSql.ADD_FAVORITE_KEYED, c.params(params)).map(QueryResult::rows));
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
      Future<Outcome> removed = claim == null
          ? queries.write("users.remove_favorite", UserSql.REMOVE_FAVORITE, params).map(r -> Outcome.written(r.rows()))
          : keys.run(claim, UserSql.REMOVE_FAVORITE_REPLAY, c -> queries.write("users.remove_favorite",
              UserSql.REMOVE_FAVORITE_KEYED, c.params(params)).map(QueryResult::rows));
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
      return queries.read("users.favorites", UserSql.FAVORITES,
              JsonArray.of(userId, UserLimits.MAX_FAVORITES_LISTED))
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
            return Future.succeededFuture(new JsonObject().put("items", items).put("count", items.size()));
          });
    });
  }

  /** One statement writing a user, under {@code claim}'s key when there is one. */
  private Future<Outcome> write(String operation, String sql, JsonArray params, Claim claim, String replaySql,
      String conflict) {
    Future<Outcome> written = claim == null
        ? queries.write(operation, sql, params).map(result -> Outcome.written(result.rows()))
        : keys.run(claim, replaySql, c -> queries.write(operation, IdempotencySql.keyed(sql, params.size()),
            c.params(params)).map(QueryResult::rows));
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

  private static ServiceException userNotFound(long id) {
    return new ServiceException(FailureCodes.NOT_FOUND, "user " + id + " not found");
  }


  /** A method body under the service's statistics, failing as {@link ServiceFailures#guarded} says. */
  private Future<JsonObject> call(String method, Supplier<Future<JsonObject>> body) {
    return stats.track(method, () -> failures.guarded(method, body));
  }
}
