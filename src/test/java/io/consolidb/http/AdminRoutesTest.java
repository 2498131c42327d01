package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.FailureCodes;
import io.consolidb.config.AccessTokens;
import io.consolidb.config.AuthLimits;
import io.consolidb.config.HttpLimits.RouteLimit;
import io.consolidb.config.MetricsSettings;
import io.consolidb.config.Scope;
import io.consolidb.config.TokenGrant;
import io.consolidb.testsupport.Await;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The cache admin and metrics routes on a real router, with stand-ins for the cache and metrics
 * verticles on their real bus addresses: what each relays, how a refusal, a missing verticle and
 * one that fails are answered, and where {@code /metrics} is served.
 */
@DisplayName("Cache admin and metrics routes")
class AdminRoutesTest {

  private static final String ADMIN = "admin-token-4f1c9e2a7b";
  private static final String METRICS_ONLY = "metrics-token-0d3b8a6c51";

  private BareRouter routes;
  /** What a stand-in received last. */
  private final AtomicReference<JsonObject> asked = new AtomicReference<>();

  @AfterEach
  void stop() throws Exception {
    if (routes != null) {
      routes.close();
    }
  }

  /**
   * The routes mounted on a router, with stand-ins on the {@code present} addresses: each replies
   * {@code {"from": address}}, or refuses with failure code 400 when its address is in
   * {@code refusing}.
   */
  private void serve(MeterRegistry registry, int metricsPort, List<String> present, List<String> refusing) throws Exception {
    Authenticator auth = new Authenticator(new AccessTokens(List.of(
        new TokenGrant("admin", ADMIN, EnumSet.of(Scope.ADMIN, Scope.METRICS)),
        new TokenGrant("scraper", METRICS_ONLY, EnumSet.of(Scope.METRICS)))),
        new FailedAuthentications(new AuthLimits(100, 60, 60, 1000), new SimpleMeterRegistry()));
    routes = BareRouter.serving((vertx, router) -> {
      Bulkhead admin = new Bulkhead(vertx, RouteClass.ADMIN, new RouteLimit(4, 4), 1000, new SimpleMeterRegistry());
      CacheAdminRoutes.mount(router, vertx, auth, 4096, admin);
      MetricsRoutes.mount(vertx, router, auth, new MetricsSettings(true, metricsPort), registry, admin);
      for (String address : present) {
        MessageConsumer<JsonObject> consumer = vertx.eventBus().consumer(address, message -> {
          asked.set(message.body());
          if (refusing.contains(address)) {
            message.fail(FailureCodes.INVALID_INPUT, "give keys, a pattern or tags to invalidate");
          } else {
            message.reply(new JsonObject().put("from", address));
          }
        });
        Await.result(consumer.completion());
      }
    });
  }

  private HttpResponse<Buffer> call(HttpMethod method, String uri, String token, String body) throws Exception {
    HttpRequest<Buffer> request = routes.request(method, uri);
    if (token != null) {
      request.bearerTokenAuthentication(token);
    }
    return (body == null ? request.send() : request.sendBuffer(Buffer.buffer(body))).await(15, TimeUnit.SECONDS);
  }

  private static final List<String> ALL = List.of(Addresses.CACHE_STATS, Addresses.CACHE_INVALIDATE,
      Addresses.METRICS_SUMMARY, Addresses.METRICS_SLOW_QUERIES);

  @Test
  @DisplayName("stats, invalidate, summary and slow queries relay their verticle's answer as JSON, never stored")
  void relays() throws Exception {
    serve(new SimpleMeterRegistry(), 0, ALL, List.of());
    for (var route : List.of(
        List.of("GET", CacheAdminRoutes.STATS, Addresses.CACHE_STATS),
        List.of("POST", CacheAdminRoutes.INVALIDATE, Addresses.CACHE_INVALIDATE),
        List.of("GET", MetricsRoutes.SUMMARY, Addresses.METRICS_SUMMARY),
        List.of("GET", MetricsRoutes.SLOW_QUERIES, Addresses.METRICS_SLOW_QUERIES))) {
      HttpResponse<Buffer> answer = call(HttpMethod.valueOf(route.get(0)), route.get(1), ADMIN,
          route.get(0).equals("POST") ? "{\"tags\":[\"restaurants\"]}" : null);
      assertThat(answer.statusCode()).as(route.get(1)).isEqualTo(200);
      assertThat(answer.getHeader("Content-Type")).isEqualTo("application/json");
      assertThat(answer.getHeader("Cache-Control")).isEqualTo("no-store");
      assertThat(answer.bodyAsJsonObject().getString("from")).isEqualTo(route.get(2));
      assertThat(asked.get()).as("what %s sent its verticle", route.get(1)).isEqualTo(route.get(0).equals("POST")
          ? new JsonObject().put("tags", List.of("restaurants")) : new JsonObject());
    }
  }

  @Test
  @DisplayName("invalidate: a body that is not a JSON object is refused before the cache is asked; the cache's refusal is a 400 with its reason")
  void invalidate_refusals() throws Exception {
    serve(new SimpleMeterRegistry(), 0, ALL, List.of(Addresses.CACHE_INVALIDATE));
    for (String body : List.of("[\"restaurants\"]", "{not json", "")) {
      HttpResponse<Buffer> refused = call(HttpMethod.POST, CacheAdminRoutes.INVALIDATE, ADMIN, body);
      assertThat(refused.statusCode()).as(body).isEqualTo(400);
      assertThat(refused.bodyAsJsonObject().getString("detail")).startsWith("the body must be a JSON object");
    }
    assertThat(asked.get()).as("the cache was not asked").isNull();

    HttpResponse<Buffer> byCache = call(HttpMethod.POST, CacheAdminRoutes.INVALIDATE, ADMIN, "{\"keys\":[]}");
    assertThat(byCache.statusCode()).isEqualTo(400);
    assertThat(byCache.bodyAsJsonObject().getString("detail")).isEqualTo("give keys, a pattern or tags to invalidate");
  }

  @Test
  @DisplayName("no cache or metrics verticle on the node: 503 saying so, for each route")
  void verticleMissing() throws Exception {
    serve(new SimpleMeterRegistry(), 0, List.of(), List.of());
    HttpResponse<Buffer> stats = call(HttpMethod.GET, CacheAdminRoutes.STATS, ADMIN, null);
    assertThat(stats.statusCode()).isEqualTo(503);
    assertThat(stats.bodyAsJsonObject().getString("detail")).isEqualTo("the cache is not running on this node");
    HttpResponse<Buffer> invalidate = call(HttpMethod.POST, CacheAdminRoutes.INVALIDATE, ADMIN, "{\"pattern\":\"r:*\"}");
    assertThat(invalidate.statusCode()).isEqualTo(503);
    assertThat(invalidate.bodyAsJsonObject().getString("detail")).isEqualTo("the cache is not running on this node");
    for (String uri : List.of(MetricsRoutes.SUMMARY, MetricsRoutes.SLOW_QUERIES)) {
      assertThat(call(HttpMethod.GET, uri, ADMIN, null).statusCode()).as(uri).isEqualTo(503);
    }
  }

  @Test
  @DisplayName("a cache verticle that does not answer: 503 \"did not answer\" after the route's bound")
  void cacheSilent() throws Exception {
    serve(new SimpleMeterRegistry(), 0, List.of(), List.of());
    // a consumer that never replies, on the router's own bus
    routes.vertx().eventBus().<JsonObject>consumer(Addresses.CACHE_STATS, message -> { })
        .completion().await(10, TimeUnit.SECONDS);
    long started = System.nanoTime();
    HttpResponse<Buffer> stats = call(HttpMethod.GET, CacheAdminRoutes.STATS, ADMIN, null);
    assertThat(stats.statusCode()).isEqualTo(503);
    assertThat(stats.bodyAsJsonObject().getString("detail")).isEqualTo("the cache did not answer");
    assertThat((System.nanoTime() - started) / 1_000_000).isBetween(4_500L, 12_000L);
  }

  @Test
  @DisplayName("each path answers OPTIONS with the methods it serves, and another method with 405, without a token")
  void allow() throws Exception {
    serve(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), 0, ALL, List.of());
    for (var path : List.of(List.of(CacheAdminRoutes.STATS, "GET, HEAD"), List.of(CacheAdminRoutes.INVALIDATE, "POST"),
        List.of(MetricsRoutes.METRICS, "GET, HEAD"), List.of(MetricsRoutes.SUMMARY, "GET, HEAD"),
        List.of(MetricsRoutes.SLOW_QUERIES, "GET, HEAD"))) {
      HttpResponse<Buffer> options = call(HttpMethod.OPTIONS, path.get(0), null, null);
      assertThat(options.statusCode()).as(path.get(0)).isEqualTo(204);
      assertThat(options.getHeader("Allow")).as(path.get(0)).isEqualTo(path.get(1));
      HttpResponse<Buffer> other = call(HttpMethod.DELETE, path.get(0), null, null);
      assertThat(other.statusCode()).as(path.get(0)).isEqualTo(405);
      assertThat(other.getHeader("Allow")).as(path.get(0)).isEqualTo(path.get(1));
    }
    assertThat(asked.get()).isNull();
  }

  @Test
  @DisplayName("scopes: the metrics token reads the summary but not the slow queries or the cache admin")
  void scopes() throws Exception {
    serve(new SimpleMeterRegistry(), 0, ALL, List.of());
    assertThat(call(HttpMethod.GET, MetricsRoutes.SUMMARY, METRICS_ONLY, null).statusCode()).isEqualTo(200);
    asked.set(null);
    assertThat(call(HttpMethod.GET, MetricsRoutes.SLOW_QUERIES, METRICS_ONLY, null).statusCode()).isEqualTo(403);
    assertThat(call(HttpMethod.GET, CacheAdminRoutes.STATS, METRICS_ONLY, null).statusCode()).isEqualTo(403);
    assertThat(call(HttpMethod.POST, CacheAdminRoutes.INVALIDATE, null, "{\"pattern\":\"*\"}").statusCode())
        .isEqualTo(401);
    assertThat(asked.get()).as("no refused request reached a verticle").isNull();
  }

  @Test
  @DisplayName("/metrics: the Prometheus text here when metrics share the API port; 404 on a port of its own or without Prometheus")
  void prometheusEndpoint() throws Exception {
    PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    prometheus.counter("consolidb_test_probe").increment();
    serve(prometheus, 0, List.of(), List.of());
    HttpResponse<Buffer> scraped = call(HttpMethod.GET, MetricsRoutes.METRICS, METRICS_ONLY, null);
    assertThat(scraped.statusCode()).isEqualTo(200);
    assertThat(scraped.bodyAsString()).contains("consolidb_test_probe_total 1.0");
    assertThat(call(HttpMethod.GET, MetricsRoutes.METRICS, null, null).statusCode()).isEqualTo(401);
    routes.close();

    serve(prometheus, 9464, List.of(), List.of());
    assertThat(call(HttpMethod.GET, MetricsRoutes.METRICS, METRICS_ONLY, null).statusCode()).isEqualTo(404);
    routes.close();

    serve(new SimpleMeterRegistry(), 0, List.of(), List.of());
    assertThat(call(HttpMethod.GET, MetricsRoutes.METRICS, METRICS_ONLY, null).statusCode()).isEqualTo(404);
  }
}
