package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** A keyed write invalidates cached reads as a plain write does; its replay writes and drops nothing, and breaks nothing. */
class IdempotentWriteCacheTest {

  private static TestNode node;
  private Vertx vertx;
  private WebClient client;
  private NodeCache cache;
  private io.micrometer.core.instrument.MeterRegistry registry;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("cache_idem");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy() {
    node.reseed();
    node.execute("TRUNCATE idempotency_keys");
    vertx = Vertx.vertx();
    int port = TestNode.freePort();
    JsonObject config = CacheTestKit.config(node, port, TestServices.redisUrl(), CacheTestKit.uniquePrefix());
    io.consolidb.node.ConsolidbNode deployed = CacheTestKit.deployWithHttp(vertx, config);
    cache = deployed.cache();
    registry = deployed.registry();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  @AfterEach
  void close() throws Exception {
    cache.invalidate(new Invalidation(null, "*", null)).await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  private static HttpResponse<Buffer> await(Future<HttpResponse<Buffer>> response) throws Exception {
    return response.await(30, TimeUnit.SECONDS);
  }

  private HttpResponse<Buffer> patch(String key, JsonObject changes) throws Exception {
    return await(client.patch("/api/v1/restaurants/1").bearerTokenAuthentication("test-token")
        .putHeader("Idempotency-Key", key).sendJsonObject(changes));
  }

  private HttpResponse<Buffer> read() throws Exception {
    return await(client.get("/api/v1/restaurants/1").send());
  }

  /** Table-change notifications (LISTEN/NOTIFY) this node has applied so far. */
  private double notifications() {
    return registry.get("consolidb.cache.invalidations").tag("source", "table_notification").counter().count();
  }

  /**
   * Waits until the notification of one more write has been applied: it arrives after the write's
   * own answer, and would drop an entry filled meanwhile (a spurious miss, never a stale hit).
   */
  private void awaitNotification(double before) {
    Await.until("the write's table-change notification applied", 10_000, () -> notifications() > before);
  }

  @Test
  @DisplayName("a keyed PATCH drops the cached restaurant; its replay leaves the fresher cached value in place")
  void keyedWrite_invalidatesAsBefore() throws Exception {
    read();
    assertThat(read().getHeader("X-Cache")).isEqualTo("HIT");
    double before = notifications();
    assertThat(patch("rename-1", new JsonObject().put("name", "Renamed Once")).statusCode()).isEqualTo(200);
    awaitNotification(before);
    HttpResponse<Buffer> fresh = read();
    assertThat(fresh.getHeader("X-Cache")).as("the keyed write invalidated the entry").isEqualTo("MISS");
    assertThat(fresh.bodyAsJsonObject().getString("name")).isEqualTo("Renamed Once");

    before = notifications();
    await(client.patch("/api/v1/restaurants/1").bearerTokenAuthentication("test-token")
        .sendJsonObject(new JsonObject().put("name", "Renamed Twice")));
    awaitNotification(before);
    read();
    HttpResponse<Buffer> replay = patch("rename-1", new JsonObject().put("name", "Renamed Once"));
    assertThat(replay.getHeader("Idempotency-Replayed")).isEqualTo("true");
    assertThat(replay.bodyAsJsonObject().getString("name")).as("the first answer").isEqualTo("Renamed Once");
    HttpResponse<Buffer> after = read();
    assertThat(after.getHeader("X-Cache")).as("the replay wrote nothing, so dropped nothing").isEqualTo("HIT");
    assertThat(after.bodyAsJsonObject().getString("name")).isEqualTo("Renamed Twice");
  }
}
