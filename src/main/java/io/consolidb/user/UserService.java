package io.consolidb.user;

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
 * Users and their favourite restaurants, served on the clustered address {@code consolidb.users}.
 *
 * <p>A user is a JSON object with snake_case keys: {@code id, email, display_name, home_city,
 * preferences} (an object: {@code kosher_category}, {@code price_range}), {@code created_at,
 * updated_at} (ISO-8601). E-mail addresses are unique whatever their case. There are no
 * passwords: authentication is not this layer's job.
 *
 * <p>Every method fails with a {@code ServiceException} whose {@code failureCode()} is one of
 * {@link io.consolidb.FailureCodes}: 400 when an argument is invalid ({@code getDebugInfo()} is
 * {@code {"parameter": name}} or {@code {"parameters": [names]}}), 404 when the user (or, when
 * adding a favourite, the restaurant) does not exist, 409 when the e-mail address is taken or a
 * concurrent change conflicts, 429/503/504 when the database is saturated, unavailable or slow.
 * The bounds are in {@link UserLimits}.
 */
@ProxyGen
@VertxGen
public interface UserService {

  /**
   * The event-bus proxy of the service, wherever in the cluster it is deployed (on the node that
   * serves it, the node's own callers use {@link InProcessServices#inProcessOrProxy} instead).
   *
   * @param timeoutMs how long a call waits for the reply before failing with
   *     {@code ReplyFailure.TIMEOUT}; make it longer than the query timeout so that a slow query
   *     is reported by the service itself (504) rather than by the event bus
   */
  static UserService createProxy(Vertx vertx, long timeoutMs) {
    return InProcessServices.eventBusProxy(vertx, UserService.class, Addresses.USERS, timeoutMs);
  }

  /**
   * As {@link #createProxy(Vertx, long)} for an application that is not a cluster member: every call
   * carries {@code token}, a caller token from {@code consolidb token} (docs/CLIENT.md).
   */
  static UserService createCallerProxy(Vertx vertx, long timeoutMs, String token) {
    return InProcessServices.eventBusProxy(vertx, UserService.class, Addresses.USERS, timeoutMs, token);
  }

  /**
   * Creates a user and returns it as stored. {@code email} is required; {@code display_name},
   * {@code home_city} and {@code preferences} are optional; unknown or read-only fields are
   * refused (400). 409 when another user has the same address in any case.
   */
  Future<JsonObject> create(JsonObject user);

  /** The user with this id, or 404. */
  @ReadOnly
  Future<JsonObject> get(long id);

  /**
   * The user whose e-mail address is {@code email} in any case (the stored address is unique
   * whatever its case), or 404; 400 when {@code email} is not an address. The address is personal
   * data: it is never cached, logged nor echoed in a failure message.
   */
  @ReadOnly
  Future<JsonObject> findByEmail(String email);

  /**
   * Changes the given fields (JSON merge patch: {@code null} clears an optional field; within
   * {@code preferences} a key set to {@code null} is removed, and {@code "preferences": null}
   * clears them all) and returns the user as stored, or 404; 409 when the new e-mail address is
   * taken.
   */
  Future<JsonObject> update(long id, JsonObject changes);

  /**
   * Deletes a user and, in the same transaction, their favourites: {@code {"id": id, "deleted":
   * true}}, or 404.
   */
  Future<JsonObject> delete(long id);

  /**
   * Marks a restaurant as a favourite of the user; idempotent: {@code {"user_id", "restaurant_id",
   * "added"}} where {@code added} is false when it already was one. 404 when the user or the
   * restaurant does not exist (the debug info names {@code userId} or {@code restaurantId}).
   */
  Future<JsonObject> addFavorite(long userId, long restaurantId);

  /**
   * Removes a favourite; idempotent: {@code {"user_id", "restaurant_id", "removed"}} where
   * {@code removed} is false when it was not one. 404 when the user does not exist.
   */
  Future<JsonObject> removeFavorite(long userId, long restaurantId);

  /**
   * {@link #create} under an idempotency key (docs/CLIENT.md, "Retrying writes"): the first call
   * with a key creates and stores the answer with the user, in one transaction; a call with the
   * same key and the same arguments returns that answer without writing again; with other
   * arguments it fails with 422. A failed call stores nothing: retry it with the same key.
   *
   * @param idempotencyKey 1 to 255 visible ASCII characters, unique per intended write (a UUID);
   *     null: as {@link #create}
   */
  Future<JsonObject> createIdempotent(JsonObject user, @Nullable String idempotencyKey);

  /** {@link #update} under an idempotency key, as {@link #createIdempotent} describes. */
  Future<JsonObject> updateIdempotent(long id, JsonObject changes, @Nullable String idempotencyKey);

  /** {@link #delete} under an idempotency key, as {@link #createIdempotent} describes. */
  Future<JsonObject> deleteIdempotent(long id, @Nullable String idempotencyKey);

  /** {@link #addFavorite} under an idempotency key, as {@link #createIdempotent} describes. */
  Future<JsonObject> addFavoriteIdempotent(long userId, long restaurantId, @Nullable String idempotencyKey);

  /** {@link #removeFavorite} under an idempotency key, as {@link #createIdempotent} describes. */
  Future<JsonObject> removeFavoriteIdempotent(long userId, long restaurantId, @Nullable String idempotencyKey);

  /**
   * The user's favourites, most recently added first, at most
   * {@link UserLimits#MAX_FAVORITES_LISTED}: {@code {"items": [{"restaurant_id", "added_at",
   * "restaurant": {"id", "name", "city", "address", "kosher_category", "price_range", "rating",
   * "status"}}], "count": n}}. 404 when the user does not exist.
   */
  @ReadOnly
  Future<JsonObject> favorites(long userId);
}
