package io.consolidb.http;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.config.Scope;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The cache's admin endpoints, both requiring a token with the {@link Scope#ADMIN} scope
 * ({@link Authenticator}):
 * <ul>
 *   <li>{@code GET /admin/cache/stats}: hits and misses per tier, {@code hit_rate_percent},
 *       entries, memory, evictions, expirations, fallbacks, bytes saved by compression;</li>
 *   <li>{@code POST /admin/cache/invalidate} with {@code {"pattern": "restaurants:*"}},
 *       {@code {"tags": ["restaurants"]}} and/or {@code {"keys": [...]}}: answers
 *       {@code {"dropped": n, "local": n, "redis": n}} and drops the same on every node.</li>
 * </ul>
 * Both talk to this node's cache verticle over the node-local event bus.
 */
final class CacheAdminRoutes {

  static final String STATS = "/admin/cache/stats";
  static final String INVALIDATE = "/admin/cache/invalidate";
  private static final DeliveryOptions DELIVERY = new DeliveryOptions().setSendTimeout(5_000);

  private final Vertx vertx;

  private CacheAdminRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Adds the routes to {@code router}. */
  static void mount(Router router, Vertx vertx, Authenticator auth, int maxBodyBytes, Bulkhead admin) {
    CacheAdminRoutes routes = new CacheAdminRoutes(vertx);
    Routes.read(router, STATS).handler(auth.require(Scope.ADMIN)).handler(admin).handler(routes::stats);
    Routes.allow(router, STATS, "GET");
    // vertx-web wants the body handler first in its route: the token is checked in a route of
    // its own, before any body is read
    router.post(INVALIDATE).handler(auth.require(Scope.ADMIN)).handler(admin);
    router.post(INVALIDATE).handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
        .handler(routes::invalidate);
    Routes.allow(router, INVALIDATE, "POST");
  }

  private void stats(RoutingContext ctx) {
    Bulkhead.hold(ctx, vertx.eventBus().<JsonObject>request(Addresses.CACHE_STATS, new JsonObject(), DELIVERY))
        .onSuccess(reply -> json(ctx, reply.body()))
        .onFailure(failure -> unavailable(ctx, failure));
  }

  private void invalidate(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException malformed) {
      body = null;
    }
    if (body == null) {
      Problems.send(ctx, 400, "the body must be a JSON object: {\"pattern\": …} or {\"tags\": […]}");
      return;
    }
    Bulkhead.hold(ctx, vertx.eventBus().<JsonObject>request(Addresses.CACHE_INVALIDATE, body, DELIVERY))
        .onSuccess(reply -> json(ctx, reply.body()))
        .onFailure(failure -> {
          if (failure instanceof ReplyException reply && reply.failureCode() == FailureCodes.INVALID_INPUT) {
            Problems.send(ctx, 400, reply.getMessage());
          } else {
            unavailable(ctx, failure);
          }
        });
  }

  private static void unavailable(RoutingContext ctx, Throwable failure) {
    boolean absent = failure instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS;
    Problems.send(ctx, 503, absent ? "the cache is not running on this node" : "the cache did not answer");
  }

  private static void json(RoutingContext ctx, JsonObject body) {
    if (!ctx.response().ended() && !ctx.response().closed()) {
      ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.CACHE_CONTROL, "no-store").end(body.toBuffer());
    }
  }
}
