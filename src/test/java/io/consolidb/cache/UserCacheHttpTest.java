package io.consolidb.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The user reads through the node's cache over HTTP, on a node with Redis: X-Cache, invalidation
 * by every kind of user write and by a change made straight in PostgreSQL (NOTIFY), the lookup by
 * e-mail, and no address in cache keys or metrics.
 */
class UserCacheHttpTest {

  private static final String EMAIL = "Ada.Lovelace@Example.com";
  /** The token of {@link TestNode#config}: users.write, and users.read through its HTTP_TOKENS entry. */
  private static final String USER_TOKEN = "test-token";

  private static TestNode node;
  private Vertx vertx;
  private NodeCache cache;
  private WebClient client;
  private Redis redis;
  private String prefix;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("users_cache");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy() throws Exception {
    node.reseed();
    node.execute("TRUNCATE users RESTART IDENTITY CASCADE");
    // Without NOTIFY, a MISS after a write can only come from the service's own invalidation (with
    // it, the trigger's asynchronous one could hide a missing tag); the NOTIFY test turns them on.
    notifyTriggers("DISABLE");
    vertx = Vertx.vertx();
    int port = TestNode.freePort();
    prefix = CacheTestKit.uniquePrefix();
    JsonObject config = CacheTestKit.config(node, port, TestServices.redisUrl(), prefix);
    cache = TestNodes.deploy(vertx, config, Component.CACHE, Component.QUERY, Component.METRICS,
        Component.RESTAURANTS, Component.USERS, Component.HTTP).cache();
    client = WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    redis = CacheTestKit.redis(vertx, TestServices.redisUrl());
    HttpResponse<Buffer> created = send(client.post("/api/v1/users").bearerTokenAuthentication(USER_TOKEN),
        new JsonObject().put("email", EMAIL).put("display_name", "Ada"));
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(created.bodyAsJsonObject().getLong("id")).isEqualTo(1L);
  }

  @AfterEach
  void close() throws Exception {
    cache.invalidate(new Invalidation(null, "*", null)).await(30, TimeUnit.SECONDS);
    redis.close();
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a user and their favourites are cached: MISS, then HIT with the same body")
  void reads_missThenHit() throws Exception {
    HttpResponse<Buffer> miss = read("/api/v1/users/1");
    HttpResponse<Buffer> hit = read("/api/v1/users/1");
    assertThat(miss.getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(hit.getHeader("X-Cache")).isEqualTo("HIT");
    assertThat(hit.bodyAsJsonObject()).isEqualTo(miss.bodyAsJsonObject());
    assertThat(read("/api/v1/users/1/favorites").getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(read("/api/v1/users/1/favorites").getHeader("X-Cache")).isEqualTo("HIT");
  }

  @Test
  @DisplayName("an update drops the cached user before it answers: the next read is a MISS with the new value")
  void update_invalidatesUser() throws Exception {
    warm("/api/v1/users/1");
    HttpResponse<Buffer> updated = send(client.patch("/api/v1/users/1").bearerTokenAuthentication(USER_TOKEN),
        new JsonObject().put("display_name", "Countess"));
    assertThat(updated.statusCode()).isEqualTo(200);
    HttpResponse<Buffer> after = read("/api/v1/users/1");
    assertThat(after.getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(after.bodyAsJsonObject().getString("display_name")).isEqualTo("Countess");
  }

  @Test
  @DisplayName("adding and removing a favourite drop the cached favourites: each next read is a MISS")
  void favourites_invalidatedByAddAndRemove() throws Exception {
    warm("/api/v1/users/1/favorites");
    assertThat(status(client.put("/api/v1/users/1/favorites/2"))).isEqualTo(201);
    HttpResponse<Buffer> afterAdd = read("/api/v1/users/1/favorites");
    assertThat(afterAdd.getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(afterAdd.bodyAsJsonObject().getInteger("count")).isEqualTo(1);
    assertThat(read("/api/v1/users/1/favorites").getHeader("X-Cache")).isEqualTo("HIT");

    assertThat(status(client.delete("/api/v1/users/1/favorites/2"))).isEqualTo(204);
    HttpResponse<Buffer> afterRemove = read("/api/v1/users/1/favorites");
    assertThat(afterRemove.getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(afterRemove.bodyAsJsonObject().getInteger("count")).isZero();
  }

  @Test
  @DisplayName("a restaurant write drops the cached favourites, which show restaurant summaries")
  void favourites_invalidatedByRestaurantWrite() throws Exception {
    assertThat(status(client.put("/api/v1/users/1/favorites/2"))).isEqualTo(201);
    warm("/api/v1/users/1/favorites");
    HttpResponse<Buffer> renamed = send(client.patch("/api/v1/restaurants/2").bearerTokenAuthentication(USER_TOKEN),
        new JsonObject().put("name", "Renamed Deli"));
    assertThat(renamed.statusCode()).isEqualTo(200);
    HttpResponse<Buffer> after = read("/api/v1/users/1/favorites");
    assertThat(after.getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(after.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getJsonObject("restaurant")
        .getString("name")).isEqualTo("Renamed Deli");
  }

  @Test
  @DisplayName("deleting a favourite restaurant drops the cached favourites: the next read is a MISS without it")
  void favourites_invalidatedByRestaurantDelete() throws Exception {
    assertThat(status(client.put("/api/v1/users/1/favorites/2"))).isEqualTo(201);
    assertThat(status(client.put("/api/v1/users/1/favorites/3"))).isEqualTo(201);
    warm("/api/v1/users/1/favorites");
    assertThat(status(client.delete("/api/v1/restaurants/2"))).isEqualTo(204);
    HttpResponse<Buffer> after = read("/api/v1/users/1/favorites");
    assertThat(after.getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(after.bodyAsJsonObject().getInteger("count")).isOne();
    assertThat(after.bodyAsJsonObject().getJsonArray("items").getJsonObject(0).getJsonObject("restaurant")
        .getLong("id")).isEqualTo(3L);
  }

  @Test
  @DisplayName("a delete drops the cached user and favourites: both answer 404 at once")
  void delete_invalidatesUserAndFavourites() throws Exception {
    warm("/api/v1/users/1");
    warm("/api/v1/users/1/favorites");
    assertThat(status(client.delete("/api/v1/users/1"))).isEqualTo(204);
    assertThat(status(client.get("/api/v1/users/1"))).isEqualTo(404);
    assertThat(status(client.get("/api/v1/users/1/favorites"))).isEqualTo(404);
  }

  @Test
  @DisplayName("a create drops a cached 404 of the id it takes")
  void create_invalidatesCachedAbsence() throws Exception {
    assertThat(status(client.get("/api/v1/users/2"))).isEqualTo(404);
    assertThat(status(client.get("/api/v1/users/2/favorites"))).isEqualTo(404);
    HttpResponse<Buffer> created = send(client.post("/api/v1/users").bearerTokenAuthentication(USER_TOKEN),
        new JsonObject().put("email", "grace@example.com"));
    assertThat(created.bodyAsJsonObject().getLong("id")).isEqualTo(2L);
    assertThat(read("/api/v1/users/2").getHeader("X-Cache")).isEqualTo("MISS");
    assertThat(read("/api/v1/users/2/favorites").getHeader("X-Cache")).isEqualTo("MISS");
  }

  @Test
  @DisplayName("a change made straight in PostgreSQL by another connection reaches the cached user and favourites through NOTIFY")
  void directSqlChange_invalidatesThroughNotify() throws Exception {
    warm("/api/v1/users/1");
    warm("/api/v1/users/1/favorites");
    notifyTriggers("ENABLE");
    node.execute("UPDATE users SET display_name = 'Changed in psql' WHERE id = 1");
    AtomicReference<HttpResponse<Buffer>> seen = new AtomicReference<>();
    // NOTIFY is asynchronous: bounded generously for a noisy machine, it normally takes milliseconds
    Await.until("the direct change is served", 10_000, () -> {
      seen.set(read("/api/v1/users/1"));
      return "Changed in psql".equals(seen.get().bodyAsJsonObject().getString("display_name"));
    });
    assertThat(seen.get().getHeader("X-Cache")).isEqualTo("MISS");

    node.execute("INSERT INTO favorites (user_id, restaurant_id) VALUES (1, 3)");
    Await.until("the direct favourite is served", 10_000,
        () -> read("/api/v1/users/1/favorites").bodyAsJsonObject().getInteger("count") == 1);
  }

  @Test
  @DisplayName("POST /api/v1/users/lookup finds a user by e-mail in any case, with users.read")
  void lookup_found() throws Exception {
    HttpResponse<Buffer> found = lookup(USER_TOKEN, new JsonObject().put("email", " ada.lovelace@EXAMPLE.com "));
    assertThat(found.statusCode()).isEqualTo(200);
    assertThat(found.bodyAsJsonObject().getLong("id")).isEqualTo(1L);
    assertThat(found.bodyAsJsonObject().getString("email")).isEqualTo(EMAIL);
    assertThat(found.getHeader("X-Cache")).as("never cached").isNull();
    assertThat(found.getHeader("Cache-Control")).isEqualTo("no-store");
  }

  @Test
  @DisplayName("POST /api/v1/users/lookup: 404 for an unknown address, without echoing it")
  void lookup_notFound() throws Exception {
    HttpResponse<Buffer> missing = lookup(USER_TOKEN, new JsonObject().put("email", "nobody@example.org"));
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.bodyAsString()).doesNotContain("nobody");
  }

  @Test
  @DisplayName("POST /api/v1/users/lookup: 400 for a bad, missing or mistyped address or another field, without echoing it")
  void lookup_badInput() throws Exception {
    HttpResponse<Buffer> bad = lookup(USER_TOKEN, new JsonObject().put("email", "not-an-address"));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.bodyAsString()).doesNotContain("not-an-address").contains("email");
    assertThat(lookup(USER_TOKEN, new JsonObject()).statusCode()).isEqualTo(400);
    assertThat(lookup(USER_TOKEN, new JsonObject().put("email", 42)).statusCode()).isEqualTo(400);
    HttpResponse<Buffer> extra = lookup(USER_TOKEN, new JsonObject().put("email", EMAIL).put("ada@example.com", 1));
    assertThat(extra.statusCode()).isEqualTo(400);
    assertThat(extra.bodyAsString()).doesNotContain("ada@");
  }

  @Test
  @DisplayName("POST /api/v1/users/lookup: 401 without a token, 403 with a token lacking users.read")
  void lookup_needsUsersRead() throws Exception {
    HttpResponse<Buffer> anonymous = send(client.post("/api/v1/users/lookup"), new JsonObject().put("email", EMAIL));
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(lookup("admin-token", new JsonObject().put("email", EMAIL)).statusCode()).isEqualTo(403);
  }

  @Test
  @DisplayName("no e-mail address appears in a Redis cache key nor in the metrics")
  void noAddressInKeysOrMetrics() throws Exception {
    warm("/api/v1/users/1");
    warm("/api/v1/users/1/favorites");
    assertThat(lookup(USER_TOKEN, new JsonObject().put("email", EMAIL)).statusCode()).isEqualTo(200);
    assertThat(lookup(USER_TOKEN, new JsonObject().put("email", "nobody@example.org")).statusCode()).isEqualTo(404);

    List<String> keys = redisKeys();
    assertThat(keys).contains(prefix + "users:id:1", prefix + "users:favorites:1");
    assertThat(keys).allSatisfy(key -> assertThat(key.toLowerCase()).doesNotContain("@", "lovelace", "nobody"));

    HttpResponse<Buffer> metrics = client.get("/metrics").bearerTokenAuthentication("admin-token").send()
        .await(30, TimeUnit.SECONDS);
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.bodyAsString()).contains("find_by_email").doesNotContainIgnoringCase("lovelace")
        .doesNotContain("nobody@");
  }

  /** {@code ENABLE} or {@code DISABLE} the NOTIFY triggers of migration V4 on the tables user reads use. */
  private static void notifyTriggers(String action) {
    List<String> statements = new ArrayList<>();
    for (String table : List.of("users", "favorites", "restaurants")) {
      for (String op : List.of("insert", "update", "delete", "truncate")) {
        statements.add("ALTER TABLE " + table + " " + action + " TRIGGER " + table + "_notify_" + op);
      }
    }
    node.execute(statements.toArray(String[]::new));
  }

  private List<String> redisKeys() throws Exception {
    Response keys = redis.send(Request.cmd(Command.KEYS).arg(prefix + "*")).await(30, TimeUnit.SECONDS);
    List<String> names = new ArrayList<>();
    keys.forEach(key -> names.add(key.toString()));
    return names;
  }

  /** A read that must succeed, with the users.read token. */
  private HttpResponse<Buffer> read(String uri) {
    try {
      HttpResponse<Buffer> response = client.get(uri).bearerTokenAuthentication(USER_TOKEN).send()
          .await(30, TimeUnit.SECONDS);
      assertThat(response.statusCode()).as(uri).isEqualTo(200);
      return response;
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError(uri + " did not answer", e);
    }
  }

  /** Two reads, the second a HIT: the entry is in the cache. */
  private void warm(String uri) {
    read(uri);
    assertThat(read(uri).getHeader("X-Cache")).as(uri).isEqualTo("HIT");
  }

  private int status(HttpRequest<Buffer> request) throws Exception {
    return request.bearerTokenAuthentication(USER_TOKEN).send().await(30, TimeUnit.SECONDS).statusCode();
  }

  private HttpResponse<Buffer> lookup(String token, JsonObject body) throws Exception {
    return send(client.post("/api/v1/users/lookup").bearerTokenAuthentication(token), body);
  }

  private static HttpResponse<Buffer> send(HttpRequest<Buffer> request, JsonObject body) throws Exception {
    return request.sendJsonObject(body).await(30, TimeUnit.SECONDS);
  }
}
