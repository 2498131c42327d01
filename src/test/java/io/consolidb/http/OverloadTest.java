package io.consolidb.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The bulkheads of a real node (query verticle, services, metrics, HTTP API; the local cache tier
 * on) whose PostgreSQL sits behind a {@link TcpProxy}: freezing the proxy holds searches in flight
 * for as long as the test wants, while lookups served from the cache need no database. Searches
 * are limited to 2 in flight and 1 waiting at most 1 s.
 */
class OverloadTest {

  private static final String METRICS_TOKEN = "overload-admin-token";

  private static final String SEARCH = "/api/v1/restaurants/search?q=pizza";
  private static final String LOOKUP = "/api/v1/restaurants/1";
  private static final int WAIT_MS = 1000;

  private static TestNode node;
  private Vertx vertx;
  private TcpProxy proxy;
  private WebClient client;
  private int port;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("overload");
    node.reseed();
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy() throws Exception {
    vertx = Vertx.vertx();
    PgConnectOptions pg = TestServices.pgConnectOptions();
    proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(10, TimeUnit.SECONDS);
    port = TestNode.freePort();
    JsonObject config = node.config(port, "overload-token");
    config.getJsonObject("database")
        .put("url", node.databaseUrl().replace(pg.getHost() + ":" + pg.getPort(), "127.0.0.1:" + proxy.port()))
        .put("queryTimeoutMs", 10_000); // a frozen search stays in flight for the whole test
    config.put("cache", new JsonObject().put("enabled", true).put("localEnabled", true));
    config.getJsonObject("http").put("adminToken", METRICS_TOKEN).put("limits", new JsonObject().put("queueWaitMs", WAIT_MS)
        .put("searches", new JsonObject().put("concurrency", 2).put("queue", 1))
        .put("lookups", new JsonObject().put("concurrency", 2).put("queue", 1)));
    TestNodes.deployAsync(vertx, config, Component.CACHE, Component.QUERY, Component.METRICS, Component.RESTAURANTS,
        Component.USERS, Component.ANALYTICS, Component.HTTP).await(30, TimeUnit.SECONDS);
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port),
        new PoolOptions().setHttp1MaxSize(20));
  }

  @AfterEach
  void stop() throws Exception {
    proxy.thaw();
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a full class answers 429 with Retry-After at once while lookups, health and the summary still answer")
  void fullSearches_rejectedAtOnce_otherClassesServed() throws Exception {
    assertThat(get(LOOKUP).statusCode()).isEqualTo(200);
    assertThat(get(LOOKUP).getHeader("X-Cache")).as("the lookup is cached now").isEqualTo("HIT");
    assertThat(get(SEARCH).statusCode()).as("searches work before the fault").isEqualTo(200);

    proxy.freeze();
    // terms never asked before: nothing is cached for them, each needs PostgreSQL
    List<Future<HttpResponse<Buffer>>> held =
        List.of(client.get(SEARCH + "+kosher").send(), client.get(SEARCH + "+grill").send());
    Await.until("two searches in flight", 5_000, () -> bulkhead("searches").getLong("in_flight") == 2);
    Future<HttpResponse<Buffer>> waiting = client.get(SEARCH + "+bagel").send();
    Await.until("one search waits", 5_000, () -> bulkhead("searches").getLong("queued") == 1);

    long started = System.nanoTime();
    HttpResponse<Buffer> rejected = get("/api/v1/restaurants?lat=40.7&lng=-74.0&radius_km=50");
    long rejectedMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(rejected.statusCode()).as("a radius read is a search too").isEqualTo(429);
    assertThat(rejected.getHeader("Retry-After")).isEqualTo("1");
    assertThat(rejected.getHeader("Content-Type")).startsWith("application/problem+json");
    assertThat(rejected.bodyAsJsonObject().getString("detail")).contains("searches");
    assertThat(rejectedMs).as("answered without waiting for room (the wait bound is %d ms)", WAIT_MS)
        .isLessThan(WAIT_MS / 2);

    started = System.nanoTime();
    HttpResponse<Buffer> lookup = get(LOOKUP);
    long lookupMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(lookup.statusCode()).isEqualTo(200);
    assertThat(lookup.getHeader("X-Cache")).isEqualTo("HIT");
    assertThat(lookupMs).as("a cached lookup does not wait for the searches").isLessThan(WAIT_MS / 2);
    assertThat(get("/health/live").statusCode()).isEqualTo(200);
    assertThat(get("/metrics").bodyAsString())
        .contains("consolidb_http_bulkhead_rejected_total{class=\"searches\",reason=\"full\"} 1");

    HttpResponse<Buffer> waited = waiting.await(5, TimeUnit.SECONDS);
    assertThat(waited.statusCode()).as("the queued search waited the bound").isEqualTo(429);
    assertThat(waited.getHeader("Retry-After")).isEqualTo("1");
    JsonObject searches = bulkhead("searches");
    assertThat(searches.getLong("rejected_full")).isEqualTo(1);
    assertThat(searches.getLong("rejected_waited")).isEqualTo(1);
    assertThat(searches.getLong("limit")).isEqualTo(2);
    assertThat(bulkhead("lookups").getLong("rejected_full")).isZero();

    proxy.thaw();
    for (Future<HttpResponse<Buffer>> search : held) {
      assertThat(search.await(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
    Await.until("the permits are back", 5_000, () -> bulkhead("searches").getLong("in_flight") == 0);
    assertThat(get(SEARCH + "+dairy").statusCode()).isEqualTo(200);
  }

  @Test
  @DisplayName("a restaurant the local tier holds is answered while the lookups class is full: it needs no room")
  void fullLookups_localHitStillAnswered() throws Exception {
    assertThat(get(LOOKUP).getHeader("X-Cache")).isEqualTo("MISS");
    String tag = get(LOOKUP).getHeader("ETag");

    proxy.freeze();
    // restaurants never read before: each needs PostgreSQL
    List<Future<HttpResponse<Buffer>>> held =
        List.of(client.get("/api/v1/restaurants/2").send(), client.get("/api/v1/restaurants/3").send());
    Await.until("two lookups in flight", 5_000, () -> bulkhead("lookups").getLong("in_flight") == 2);
    Future<HttpResponse<Buffer>> waiting = client.get("/api/v1/restaurants/4").send();
    Await.until("one lookup waits", 5_000, () -> bulkhead("lookups").getLong("queued") == 1);
    assertThat(get("/api/v1/restaurants/5").statusCode()).as("an uncached lookup finds the class full").isEqualTo(429);

    long started = System.nanoTime();
    HttpResponse<Buffer> hit = get(LOOKUP);
    long hitMs = (System.nanoTime() - started) / 1_000_000;
    assertThat(hit.statusCode()).isEqualTo(200);
    assertThat(hit.getHeader("X-Cache")).isEqualTo("HIT");
    assertThat(hit.getHeader("ETag")).isEqualTo(tag);
    assertThat(hitMs).as("answered without waiting for room (the wait bound is %d ms)", WAIT_MS).isLessThan(WAIT_MS / 2);
    HttpResponse<Buffer> revalidated = client.get(LOOKUP).putHeader("If-None-Match", tag).send().await(5, TimeUnit.SECONDS);
    assertThat(revalidated.statusCode()).isEqualTo(304);
    assertThat(bulkhead("lookups").getLong("rejected_full")).as("only the uncached lookup").isEqualTo(1);

    proxy.thaw();
    assertThat(waiting.await(10, TimeUnit.SECONDS).statusCode()).isIn(200, 429);
    for (Future<HttpResponse<Buffer>> lookup : held) {
      assertThat(lookup.await(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("permits come back after failed searches: with PostgreSQL refusing, then back, the class serves again")
  void failedSearches_releasePermits() throws Exception {
    proxy.refuse().await(5, TimeUnit.SECONDS);
    List<Future<HttpResponse<Buffer>>> failing = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      failing.add(client.get(SEARCH + "+" + i).send());
    }
    for (Future<HttpResponse<Buffer>> search : failing) {
      assertThat(search.await(15, TimeUnit.SECONDS).statusCode()).isNotEqualTo(200);
    }
    Await.until("no search holds a permit", 10_000, () -> bulkhead("searches").getLong("in_flight") == 0);
    proxy.accept().await(5, TimeUnit.SECONDS);
    Await.until("searches answer again", 15_000, () -> get(SEARCH).statusCode() == 200);
    assertThat(bulkhead("searches").getLong("in_flight")).isZero();
  }

  @Test
  @DisplayName("client aborts leak no permit: after many aborted searches the class serves again")
  void abortedSearches_leakNothing() throws Exception {
    // hung up while PostgreSQL holds their queries: the two admitted keep their permits until the queries end
    proxy.freeze();
    for (int i = 0; i < 10; i++) {
      RawConnection.get(vertx, port, SEARCH + "+frozen" + i).close();
    }
    Await.until("the aborted searches that run hold their permits", 5_000,
        () -> bulkhead("searches").getLong("in_flight") == 2 && bulkhead("searches").getLong("queued") == 0);
    proxy.thaw();
    Await.until("their queries ended: the permits are back", 10_000,
        () -> bulkhead("searches").getLong("in_flight") == 0);

    // hung up at once, many times, with PostgreSQL answering
    for (int i = 0; i < 100; i++) {
      RawConnection.get(vertx, port, SEARCH + "+abort" + i).close();
    }
    Await.until("every permit is back", 10_000, () -> bulkhead("searches").getLong("in_flight") == 0
        && bulkhead("searches").getLong("queued") == 0);
    assertThat(get(SEARCH).statusCode()).isEqualTo(200);
  }

  /** A GET with the admin token, which holds the metrics scope (public routes ignore it). */
  private HttpResponse<Buffer> get(String uri) {
    return Await.result(client.get(uri).bearerTokenAuthentication(METRICS_TOKEN).send());
  }

  /** The route class as {@code /metrics/summary} shows it. */
  private JsonObject bulkhead(String routeClass) {
    HttpResponse<Buffer> summary = get("/metrics/summary");
    assertThat(summary.statusCode()).as("the summary answers").isEqualTo(200);
    return summary.bodyAsJsonObject().getJsonObject("http_bulkheads").getJsonObject(routeClass);
  }
}
