package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** X-Cache on cached reads and the admin endpoints, over HTTP on a node with caching on. */
class CacheHttpTest {

  private static TestNode node;
  private Vertx vertx;
  private NodeCache cache;
  private WebClient client;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("cache_http");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy() {
    node.reseed();
    vertx = Vertx.vertx();
    int port = TestNode.freePort();
    JsonObject config = CacheTestKit.config(node, port, TestServices.redisUrl(), CacheTestKit.uniquePrefix());
    cache = CacheTestKit.deployWithHttp(vertx, config).cache();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
  }

  @AfterEach
  void close() throws Exception {
    cache.invalidate(new Invalidation(null, "*", null)).await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a cached read answers X-Cache: MISS, then HIT, with the same body and no marker in it")
  void xCache_missThenHit() throws Exception {
    HttpResponse<Buffer> miss = get("/api/v1/restaurants?lat=40.758&lng=-73.9855&radius_km=3&limit=5");
    HttpResponse<Buffer> hit = get("/api/v1/restaurants?lat=40.758&lng=-73.9855&radius_km=3&limit=5");
    assertThat(miss.getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(hit.getHeader("X-Cache")).isEqualTo("HIT");
    assertThat(hit.bodyAsJsonObject()).isEqualTo(miss.bodyAsJsonObject());
    assertThat(hit.bodyAsJsonObject().containsKey("_cache")).isFalse();
    assertThat(get("/api/v1/restaurants/1").getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(get("/api/v1/restaurants/1").getHeader("X-Cache")).isEqualTo("HIT");
  }

  @Test
  @DisplayName("a restaurant answered from the local tier is the service's answer: same bytes, tag and caching headers")
  void restaurantFromTheLocalTier_answersAsTheService() throws Exception {
    HttpResponse<Buffer> miss = get("/api/v1/restaurants/2");
    HttpResponse<Buffer> hit = get("/api/v1/restaurants/2");
    assertThat(miss.getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(hit.getHeader("X-Cache")).isEqualTo("HIT");
    assertThat(hit.body().getBytes()).isEqualTo(miss.body().getBytes());
    for (String header : List.of("ETag", "Cache-Control", "Content-Type", "Content-Length")) {
      assertThat(hit.getHeader(header)).as(header).isEqualTo(miss.getHeader(header));
    }
    HttpResponse<Buffer> head = client.head("/api/v1/restaurants/2").send().await(30, TimeUnit.SECONDS);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.getHeader("X-Cache")).isEqualTo("HIT");
    assertThat(head.getHeader("Content-Length")).isEqualTo(miss.getHeader("Content-Length"));
    assertThat(head.body()).isNull();
    HttpResponse<Buffer> notModified = client.get("/api/v1/restaurants/2").putHeader("If-None-Match", miss.getHeader("ETag"))
        .send().await(30, TimeUnit.SECONDS);
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.getHeader("ETag")).isEqualTo(miss.getHeader("ETag"));
    for (int round = 0; round < 2; round++) { // the second time too: nothing of these is cached
      assertThat(client.get("/api/v1/restaurants/999999").send().await(30, TimeUnit.SECONDS).statusCode())
          .as("absent: the service's 404").isEqualTo(404);
      assertThat(client.get("/api/v1/restaurants/0").send().await(30, TimeUnit.SECONDS).statusCode())
          .as("not an id: the service's 400").isEqualTo(400);
    }
  }

  @Test
  @DisplayName("the admin endpoints need the admin scope: 401 without a token, 403 with the API token")
  void admin_requiresToken() throws Exception {
    assertThat(client.get("/admin/cache/stats").send().await(30, TimeUnit.SECONDS).statusCode()).isEqualTo(401);
    // a valid token without the admin scope
    assertThat(client.get("/admin/cache/stats").bearerTokenAuthentication("test-token").send().await(30, TimeUnit.SECONDS)
        .statusCode()).isEqualTo(403);
    assertThat(client.post("/admin/cache/invalidate").sendJsonObject(new JsonObject().put("pattern", "*"))
        .await(30, TimeUnit.SECONDS).statusCode()).isEqualTo(401);
  }

  @Test
  @DisplayName("GET /admin/cache/stats reports hits, misses and hit rate per tier")
  void admin_stats() throws Exception {
    get("/api/v1/restaurants/1");
    get("/api/v1/restaurants/1");
    HttpResponse<Buffer> response = client.get("/admin/cache/stats").bearerTokenAuthentication("admin-token")
        .send().await(30, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject stats = response.bodyAsJsonObject();
    assertThat(stats.getDouble("hit_rate_percent")).isEqualTo(50.0);
    assertThat(stats.getJsonObject("local").getLong("hits")).isEqualTo(1);
    assertThat(stats.getJsonObject("redis").getString("state")).isEqualTo("up");
    assertThat(stats.fieldNames()).contains("entries", "memory_bytes", "evictions", "expirations", "fallbacks",
        "bytes_saved");
  }

  @Test
  @DisplayName("POST /admin/cache/invalidate drops a pattern or tags and says how many entries went")
  void admin_invalidate() throws Exception {
    get("/api/v1/restaurants/1");
    get("/api/v1/restaurants/2");
    get("/api/v1/restaurants/search?q=deli");
    HttpResponse<Buffer> byPattern = client.post("/admin/cache/invalidate").bearerTokenAuthentication("admin-token")
        .sendJsonObject(new JsonObject().put("pattern", "restaurants:id:*")).await(30, TimeUnit.SECONDS);
    assertThat(byPattern.statusCode()).isEqualTo(200);
    assertThat(byPattern.bodyAsJsonObject().getLong("dropped")).isEqualTo(2);
    assertThat(get("/api/v1/restaurants/1").getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(get("/api/v1/restaurants/search?q=deli").getHeader("X-Cache")).isEqualTo("HIT");

    HttpResponse<Buffer> byTag = client.post("/admin/cache/invalidate").bearerTokenAuthentication("admin-token")
        .sendJsonObject(new JsonObject().put("tags", new io.vertx.core.json.JsonArray().add("restaurants"))).await(30, TimeUnit.SECONDS);
    assertThat(byTag.bodyAsJsonObject().getLong("dropped")).isGreaterThanOrEqualTo(2);
    assertThat(get("/api/v1/restaurants/search?q=deli").getHeader("X-Cache")).isEqualTo("MISS");

    assertThat(client.post("/admin/cache/invalidate").bearerTokenAuthentication("admin-token")
        .sendJsonObject(new JsonObject()).await(30, TimeUnit.SECONDS).statusCode()).isEqualTo(400);
  }

  @Test
  @DisplayName("POST /admin/cache/invalidate refuses a pattern over the length limit with 400, dropping nothing")
  void admin_invalidate_overLongPattern() throws Exception {
    get("/api/v1/restaurants/1");
    String pattern = "*a".repeat(Invalidation.MAX_PATTERN_LENGTH / 2) + "*";
    HttpResponse<Buffer> refused = client.post("/admin/cache/invalidate").bearerTokenAuthentication("admin-token")
        .sendJsonObject(new JsonObject().put("pattern", pattern)).await(30, TimeUnit.SECONDS);
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.bodyAsJsonObject().getString("detail"))
        .isEqualTo("pattern must be at most 256 characters, not 257");
    assertThat(get("/api/v1/restaurants/1").getHeader("X-Cache")).isEqualTo("HIT");
  }

  private HttpResponse<Buffer> get(String uri) throws Exception {
    HttpResponse<Buffer> response = client.get(uri).send().await(30, TimeUnit.SECONDS);
    assertThat(response.statusCode()).as(uri).isEqualTo(200);
    return response;
  }
}
