package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.testsupport.TcpProxy;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL away (refused behind a {@link TcpProxy}), real Redis: the breaker answers 503 with
 * Retry-After at once, and cached reads past their TTL are served stale within DB_CACHE_MAX_STALE,
 * over HTTP.
 */
@DisplayName("a database outage")
class StaleOnOutageTest {

  private static final String ONE = "/api/v1/restaurants/1";
  private static final int TTL_SECONDS = 1;
  private static final int MAX_STALE_SECONDS = 3;

  private static TestNode node;
  private Vertx vertx;
  private TcpProxy proxy;
  private NodeCache cache;
  private WebClient client;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("stale_outage");
    node.reseed();
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  private void deploy(int maxStaleSeconds) throws Exception {
    vertx = Vertx.vertx();
    PgConnectOptions pg = TestServices.pgConnectOptions();
    proxy = TcpProxy.start(vertx, pg.getHost(), pg.getPort()).await(30, TimeUnit.SECONDS);
    int port = TestNode.freePort();
    JsonObject config = CacheTestKit.config(node, port, TestServices.redisUrl(), CacheTestKit.uniquePrefix());
    config.getJsonObject("database")
        .put("url", node.databaseUrl().replace(pg.getHost() + ":" + pg.getPort(), "127.0.0.1:" + proxy.port()))
        .put("breaker", new JsonObject().put("failures", 2).put("openMs", 5000));
    config.getJsonObject("cache").put("ttlSeconds", TTL_SECONDS).put("maxStaleSeconds", maxStaleSeconds);
    cache = CacheTestKit.deployWithHttp(vertx, config).cache();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  @AfterEach
  void close() throws Exception {
    proxy.accept().await(30, TimeUnit.SECONDS);
    cache.invalidate(new Invalidation(null, "*", null)).await(30, TimeUnit.SECONDS);
    proxy.close().await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("serves an expired entry with X-Cache: STALE and Age within max-stale, fails writes and uncached"
      + " reads at once with 503 and Retry-After, serves nothing stale beyond max-stale, and reads fresh once the"
      + " database is back")
  void staleWithinBoundThenRecovers() throws Exception {
    deploy(MAX_STALE_SECONDS);
    HttpResponse<Buffer> fresh = get(ONE);
    assertThat(fresh.getHeader("X-Cache")).isEqualTo("MISS");
    long loadedAt = System.nanoTime();
    Thread.sleep(TTL_SECONDS * 1000 + 300);
    assertThat(get(ONE).getHeader("X-Cache")).as("past its TTL with the database up: loaded again").isEqualTo("MISS");
    loadedAt = System.nanoTime();
    Thread.sleep(TTL_SECONDS * 1000 + 300);

    proxy.refuse().await(30, TimeUnit.SECONDS);
    proxy.dropConnections();
    HttpResponse<Buffer> stale = get(ONE);
    assertThat(stale.statusCode()).isEqualTo(200);
    assertThat(stale.getHeader("X-Cache")).isEqualTo("STALE");
    assertThat(Integer.parseInt(stale.getHeader("Age"))).isBetween(1, MAX_STALE_SECONDS + TTL_SECONDS);
    assertThat(stale.bodyAsJsonObject()).isEqualTo(fresh.bodyAsJsonObject());

    // the breaker is open now: an uncached read and a write fail at once, with Retry-After
    List<Long> latencies = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      long started = System.nanoTime();
      HttpResponse<Buffer> refused = get("/api/v1/restaurants/2");
      latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(Integer.parseInt(refused.getHeader("Retry-After"))).isBetween(1, 5);
    }
    Collections.sort(latencies);
    assertThat(latencies.get(2)).as("median of %s ms", latencies).isLessThan(50);
    HttpResponse<Buffer> write = client.patch("/api/v1/restaurants/1").bearerTokenAuthentication("test-token")
        .sendJsonObject(new JsonObject().put("name", "Renamed")).await(30, TimeUnit.SECONDS);
    assertThat(write.statusCode()).isEqualTo(503);
    assertThat(write.getHeader("Retry-After")).isNotNull();
    assertThat(write.bodyAsJsonObject().getString("detail")).isEqualTo("the database is unavailable");
    assertThat(get(ONE).getHeader("X-Cache")).as("a refused write changed nothing: still served stale")
        .isEqualTo("STALE");

    long beyondMs = TimeUnit.SECONDS.toMillis(TTL_SECONDS + MAX_STALE_SECONDS) + 300
        - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - loadedAt);
    Thread.sleep(Math.max(0, beyondMs));
    HttpResponse<Buffer> beyond = get(ONE);
    assertThat(beyond.statusCode()).as("past TTL + max-stale: never served").isEqualTo(503);
    assertThat(beyond.getHeader("Retry-After")).isNotNull();

    proxy.accept().await(30, TimeUnit.SECONDS);
    HttpResponse<Buffer> back = awaitStatus(200, ONE, 15);
    assertThat(back.getHeader("X-Cache")).isEqualTo("MISS");
  }

  @Test
  @DisplayName("serves stale from Redis when the local tier was dropped")
  void staleFromRedis() throws Exception {
    deploy(MAX_STALE_SECONDS);
    HttpResponse<Buffer> fresh = get(ONE);
    Thread.sleep(TTL_SECONDS * 1000 + 300);
    proxy.refuse().await(30, TimeUnit.SECONDS);
    proxy.dropConnections();
    cache.dropLocalTier();
    HttpResponse<Buffer> stale = get(ONE);
    assertThat(stale.getHeader("X-Cache")).isEqualTo("STALE");
    assertThat(Integer.parseInt(stale.getHeader("Age"))).isBetween(1, MAX_STALE_SECONDS + TTL_SECONDS);
    assertThat(stale.bodyAsJsonObject()).isEqualTo(fresh.bodyAsJsonObject());
    assertThat(cache.peekLocal("restaurants:id:1")).as("a stale value is not copied into the local tier").isNull();
  }

  @Test
  @DisplayName("never serves an invalidated entry, even stale")
  void notAfterInvalidation() throws Exception {
    deploy(MAX_STALE_SECONDS);
    get(ONE);
    Thread.sleep(TTL_SECONDS * 1000 + 300);
    proxy.refuse().await(30, TimeUnit.SECONDS);
    proxy.dropConnections();
    HttpResponse<Buffer> dropped = client.post("/admin/cache/invalidate").bearerTokenAuthentication("admin-token")
        .sendJsonObject(new JsonObject().put("tags", new JsonArray().add("restaurants"))).await(30, TimeUnit.SECONDS);
    assertThat(dropped.bodyAsJsonObject().getLong("dropped")).isPositive();
    assertThat(get(ONE).statusCode()).isEqualTo(503);
  }

  @Test
  @DisplayName("with DB_CACHE_MAX_STALE=0 serves nothing past its TTL")
  void neverWhenZero() throws Exception {
    deploy(0);
    get(ONE);
    Thread.sleep(TTL_SECONDS * 1000 + 300);
    proxy.refuse().await(30, TimeUnit.SECONDS);
    proxy.dropConnections();
    HttpResponse<Buffer> answer = get(ONE);
    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(answer.getHeader("X-Cache")).isNull();
  }

  private HttpResponse<Buffer> get(String path) throws Exception {
    return client.get(path).send().await(30, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> awaitStatus(int status, String path, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    HttpResponse<Buffer> last = get(path);
    while (last.statusCode() != status && System.nanoTime() < deadline) {
      Thread.sleep(200);
      last = get(path);
    }
    assertThat(last.statusCode()).as("status of %s within %d s", path, seconds).isEqualTo(status);
    return last;
  }
}
