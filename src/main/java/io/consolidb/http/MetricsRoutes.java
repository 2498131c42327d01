package io.consolidb.http;

import io.consolidb.Addresses;
import io.consolidb.config.MetricsSettings;
import io.consolidb.config.Scope;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.Map;

/**
 * The metrics routes of the HTTP API:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the Prometheus text format, here unless {@code metrics.port} gives it
 *       a port of its own (the metrics verticle serves it there, without a token: that port is for
 *       the scraper); absent when metrics are off; here it needs {@link Scope#METRICS};
 *   <li>{@code GET /metrics/summary}: the performance summary JSON ({@link Scope#METRICS}: it names
 *       the slowest statements, normalized, never their values);
 *   <li>{@code GET /admin/queries/slow}: the slowest recent statements with their plans and hints
 *       ({@link Scope#ADMIN}).
 * </ul>
 */
final class MetricsRoutes {

  static final String METRICS = "/metrics";
  static final String SUMMARY = "/metrics/summary";
  static final String SLOW_QUERIES = "/admin/queries/slow";

  /** EXPLAINs run one after another within their own timeouts; the report may take a while. */
  private static final long SLOW_REPORT_TIMEOUT_MS = 30_000;

  private final Vertx vertx;

  private MetricsRoutes(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Adds the routes to {@code router}. */
  static void mount(Vertx vertx, Router router, Authenticator auth, MetricsSettings settings, MeterRegistry registry,
      Bulkhead admin) {
    MetricsRoutes routes = new MetricsRoutes(vertx);
    // Where /metrics is not served (metrics off, or on a port of its own) the path stays unknown: 404.
    if (registry instanceof PrometheusMeterRegistry prometheus && !settings.separatePort()) {
      Routes.read(router, METRICS).handler(auth.require(Scope.METRICS))
          .handler(PrometheusScrapingHandler.create(prometheus));
      Routes.allow(router, METRICS, "GET");
    }
    Routes.read(router, SUMMARY).handler(auth.require(Scope.METRICS)).handler(admin).handler(routes::summary);
    Routes.allow(router, SUMMARY, "GET");
    Routes.read(router, SLOW_QUERIES).handler(auth.require(Scope.ADMIN)).handler(admin).handler(routes::slowQueries);
    Routes.allow(router, SLOW_QUERIES, "GET");
  }

  private void summary(RoutingContext ctx) {
    relay(ctx, Addresses.METRICS_SUMMARY, 5_000);
  }

  private void slowQueries(RoutingContext ctx) {
    relay(ctx, Addresses.METRICS_SLOW_QUERIES, SLOW_REPORT_TIMEOUT_MS);
  }

  private void relay(RoutingContext ctx, String address, long timeoutMs) {
    Bulkhead.hold(ctx, vertx.eventBus().<JsonObject>request(address, new JsonObject(),
            new DeliveryOptions().setSendTimeout(timeoutMs)))
        .onSuccess(reply -> {
          if (!ctx.response().ended() && !ctx.response().closed()) {
            ctx.response().setStatusCode(200)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
                .end(reply.body().toBuffer());
          }
        })
        .onFailure(failure -> Problems.send(ctx, failure, Map.of()));
  }
}
