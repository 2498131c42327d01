package io.consolidb.http;

import io.consolidb.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;

/**
 * The health endpoints. {@code /health/live} answers from the event loop alone; the others read
 * the health verticle's last computed state over the event bus ({@code consolidb.health.status},
 * node-local), which answers at once and never waits on a check.
 *
 * <ul>
 *   <li>{@code GET /health}: the full report; 200 when HEALTHY or DEGRADED, else 503.</li>
 *   <li>{@code GET /health/ready}: 200 {@code {status: UP, level}} when the node should receive
 *       traffic; 503 {@code {status: DOWN, level?, reason}} when UNHEALTHY/CRITICAL, while the
 *       schema is not migrated yet, or when no health monitor runs on this node.</li>
 *   <li>{@code GET /health/live}: 200 {@code {status: UP}} while the node's event loop runs.</li>
 *   <li>{@code GET /health/history?limit=}: recent rounds of checks and level changes.</li>
 * </ul>
 */
final class HealthRoutes {

  static final String HEALTH = "/health";
  static final String LIVE = "/health/live";
  static final String READY = "/health/ready";
  static final String HISTORY = "/health/history";

  static final int DEFAULT_HISTORY_LIMIT = 20;
  static final int MAX_HISTORY_LIMIT = 1000;
  /** The monitor answers in microseconds; this only bounds a node whose monitor is stuck. */
  private static final long STATUS_TIMEOUT_MS = 1000;
  private static final String NO_MONITOR = "no health monitor answers on this node";

  private final Vertx vertx;
  private final Supplier<String> notReady;

  /** @param notReady why the node must not take traffic whatever its health, or null */
  HealthRoutes(Vertx vertx, Supplier<String> notReady) {
    this.vertx = vertx;
    this.notReady = notReady;
  }

  /** Adds the routes, and a 405 with {@code Allow: GET} for other methods on them. */
  void mount(Router router) {
    Routes.read(router, HEALTH).handler(this::health);
    Routes.read(router, LIVE).handler(this::live);
    Routes.read(router, READY).handler(this::ready);
    Routes.read(router, HISTORY).handler(this::history);
    for (String path : new String[] {HEALTH, LIVE, READY, HISTORY}) {
      Routes.allow(router, path, "GET");
    }
  }

  private void live(RoutingContext ctx) {
    // The node answers, so its event loop runs: that is all liveness means (never the database).
    json(ctx, 200, new JsonObject().put("status", "UP"));
  }

  private void ready(RoutingContext ctx) {
    String reason = notReady.get();
    if (reason != null) {
      json(ctx, 503, new JsonObject().put("status", "DOWN").put("reason", reason));
      return;
    }
    status(new JsonObject()).onComplete(done -> {
      if (done.failed()) {
        json(ctx, 503, new JsonObject().put("status", "DOWN").put("reason", done.cause().getMessage()));
        return;
      }
      JsonObject report = done.result();
      boolean serving = serving(report);
      JsonObject body = new JsonObject().put("status", serving ? "UP" : "DOWN").put("level", report.getString("status"));
      if (!serving) {
        body.put("reason", report.getString("reason", "the node is " + report.getString("status")));
      }
      json(ctx, serving ? 200 : 503, body);
    });
  }

  private void health(RoutingContext ctx) {
    status(new JsonObject()).onComplete(done -> {
      if (done.failed()) {
        json(ctx, 503, new JsonObject().put("status", "UNKNOWN").put("reason", done.cause().getMessage()));
        return;
      }
      json(ctx, serving(done.result()) ? 200 : 503, done.result());
    });
  }

  private void history(RoutingContext ctx) {
    int limit;
    try {
      limit = RequestParams.integer(ctx.queryParams(), "limit", DEFAULT_HISTORY_LIMIT);
      if (limit < 1 || limit > MAX_HISTORY_LIMIT) {
        throw Problem.badParameter("limit", "limit must be between 1 and " + MAX_HISTORY_LIMIT);
      }
    } catch (Problem problem) {
      Problems.send(ctx, problem);
      return;
    }
    status(new JsonObject().put("history", limit)).onComplete(done -> {
      if (done.failed()) {
        Problems.send(ctx, 503, done.cause().getMessage());
        return;
      }
      json(ctx, 200, done.result());
    });
  }

  /** The monitor's answer, or a failure whose message says whether no monitor is there or it did not answer. */
  private Future<JsonObject> status(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(Addresses.HEALTH_STATUS, request,
            new DeliveryOptions().setSendTimeout(STATUS_TIMEOUT_MS))
        .map(reply -> reply.body())
        .recover(failure -> Future.failedFuture(failure instanceof ReplyException reply
            && reply.failureType() == ReplyFailure.NO_HANDLERS ? NO_MONITOR : "the health monitor did not answer"));
  }

  private static boolean serving(JsonObject report) {
    String level = report.getString("status", "");
    return level.equals("HEALTHY") || level.equals("DEGRADED");
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    ctx.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.toBuffer());
  }
}
