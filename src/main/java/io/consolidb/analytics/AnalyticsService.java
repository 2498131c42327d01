package io.consolidb.analytics;

import io.consolidb.Addresses;
import io.consolidb.service.InProcessServices;
import io.consolidb.service.ReadOnly;
import io.vertx.codegen.annotations.Nullable;
import io.vertx.codegen.annotations.ProxyGen;
import io.vertx.codegen.annotations.VertxGen;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Analytics events and the reports over them, served on the clustered address
 * {@code consolidb.analytics}.
 *
 * <p>An event is {@code {"type", "user_id", "restaurant_id", "occurred_at", "properties"}}:
 * {@code type} required (see {@link AnalyticsLimits#TYPE_PATTERN}: {@code view}, {@code search},
 * {@code favorite}, {@code click}, …), {@code user_id} and {@code restaurant_id} optional positive
 * integers ({@code restaurant_id} required for a {@code view}), {@code occurred_at} an ISO-8601
 * instant with an offset (default: now), {@code properties} a small JSON object.
 *
 * <p>Report windows: {@code from} inclusive, {@code to} exclusive, each an ISO-8601 instant
 * ({@code 2025-03-01T12:00:00Z}) or a date ({@code 2025-03-01}, midnight UTC); {@code to} defaults
 * to the end of today (UTC), {@code from} to {@link AnalyticsLimits#DEFAULT_WINDOW_DAYS} days
 * before {@code to}. Days are UTC days. Every report carries {@code from} and {@code to} as used.
 * Reports are cached (TTL, invalidated when events arrive for a day the window covers).
 *
 * <p>Failures are {@code ServiceException}s with {@link io.consolidb.FailureCodes}: 400 for
 * invalid input (an invalid event batch has debug info {@code {"errors": [{"index", "parameter",
 * "reason"}]}}, one per invalid event), 413 for more than {@link AnalyticsLimits#MAX_BATCH_SIZE}
 * events, 429/503/504 when the database is saturated, unavailable or slow.
 */
@ProxyGen
@VertxGen
public interface AnalyticsService {

  /**
   * The event-bus proxy of the service, wherever in the cluster it is deployed (on the node that
   * serves it, the node's own callers use {@link InProcessServices#inProcessOrProxy} instead).
   *
   * @param timeoutMs how long a call waits for the reply before failing with
   *     {@code ReplyFailure.TIMEOUT}; make it longer than the query timeout so that a slow query
   *     is reported by the service itself (504) rather than by the event bus
   */
  static AnalyticsService createProxy(Vertx vertx, long timeoutMs) {
    return InProcessServices.eventBusProxy(vertx, AnalyticsService.class, Addresses.ANALYTICS, timeoutMs);
  }

  /**
   * As {@link #createProxy(Vertx, long)} for an application that is not a cluster member: every call
   * carries {@code token}, a caller token from {@code consolidb token} (docs/CLIENT.md).
   */
  static AnalyticsService createCallerProxy(Vertx vertx, long timeoutMs, String token) {
    return InProcessServices.eventBusProxy(vertx, AnalyticsService.class, Addresses.ANALYTICS, timeoutMs, token);
  }

  /** Records one event; the reply {@code {"recorded": 1}} means it is committed. */
  Future<JsonObject> record(JsonObject event);

  /**
   * Records 1 to {@link AnalyticsLimits#MAX_BATCH_SIZE} events in one transaction, all or none:
   * {@code {"recorded": n}} once committed. When any event is invalid nothing is stored and the
   * failure (400) lists each invalid event's index and reason.
   */
  Future<JsonObject> recordBatch(JsonArray events);

  /**
   * {@link #recordBatch} under an idempotency key (docs/CLIENT.md, "Retrying writes"): the first
   * call with a key records the batch and stores the answer in the same transaction; a call with
   * the same key and the same events returns {@code {"recorded": n}} again without recording
   * them twice; with other events it fails with 422. A failed call stores nothing: retry it with
   * the same key.
   *
   * @param idempotencyKey 1 to 255 visible ASCII characters, unique per batch (a UUID); null: as
   *     {@link #recordBatch}
   */
  Future<JsonObject> recordBatchIdempotent(JsonArray events, @Nullable String idempotencyKey);

  /** {@link #record} under an idempotency key, as {@link #recordBatchIdempotent} describes. */
  Future<JsonObject> recordIdempotent(JsonObject event, @Nullable String idempotencyKey);

  /**
   * The most viewed restaurants in the window: {@code {"items": [{"restaurant_id", "name",
   * "views"}], "count", "from", "to"}}, most views first, ties by id; {@code name} is null for a
   * restaurant deleted since.
   *
   * @param limit 1 to {@link AnalyticsLimits#MAX_TOP_LIMIT}
   */
  @ReadOnly
  Future<JsonObject> topRestaurants(@Nullable String from, @Nullable String to, int limit);

  /**
   * Distinct users with at least one event, per UTC day of the window: {@code {"items":
   * [{"day", "active_users"}], "count", "from", "to"}}, every day listed (0 when none).
   */
  @ReadOnly
  Future<JsonObject> activeUsers(@Nullable String from, @Nullable String to);

  /**
   * Events per UTC day and type in the window, optionally of one type: {@code {"items":
   * [{"day", "type", "count"}], "count", "total", "from", "to"}}, by day then type; days without
   * events are left out.
   */
  @ReadOnly
  Future<JsonObject> eventCounts(@Nullable String from, @Nullable String to, @Nullable String type);

  /**
   * A restaurant's views per UTC day of the window: {@code {"restaurant_id", "items": [{"day",
   * "views"}], "count", "total", "from", "to"}}, every day listed (0 when none).
   */
  @ReadOnly
  Future<JsonObject> restaurantViews(long restaurantId, @Nullable String from, @Nullable String to);

  /**
   * One user's activity in the window (personal data: callers must be entitled to read users):
   * {@code {"user_id", "total", "first_event_at", "last_event_at", "by_type": [{"type", "count"}],
   * "days": [{"day", "count"}], "top_restaurants": [{"restaurant_id", "count"}], "from", "to"}};
   * {@code by_type} by type, {@code days} by UTC day (days without events left out),
   * {@code top_restaurants} at most {@link AnalyticsLimits#USER_TOP_RESTAURANTS}, most events
   * first, ties by id. A user without events in the window (unknown, deleted or idle alike: events
   * outlive their user) gets {@code total} 0, null times and empty lists.
   */
  @ReadOnly
  Future<JsonObject> userActivity(long userId, @Nullable String from, @Nullable String to);
}
