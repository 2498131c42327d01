package io.consolidb.cache;

import static io.consolidb.testsupport.TestNodes.cacheOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.http.KnownRestaurants;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Keyset pages of a city in the cache, against the real test PostgreSQL and Redis: cached under
 * the normalised position like the numbered pages, and dropped by the same tag on a write.
 */
class CityCursorCacheTest {

  private static TestNode node;
  private Vertx vertx;
  private Redis redis;
  private String prefix;
  private RestaurantService service;
  private NodeCache cache;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("cache_cursor");
  }

  @AfterAll
  static void drop() throws Exception {
    node.close();
  }

  @BeforeEach
  void deploy() {
    node.reseed();
    vertx = Vertx.vertx();
    prefix = CacheTestKit.uniquePrefix();
    ConsolidbNode deployed = CacheTestKit.deploy(vertx, CacheTestKit.config(node, 0, TestServices.redisUrl(), prefix));
    cache = deployed.cache();
    redis = CacheTestKit.redis(vertx, TestServices.redisUrl());
    service = deployed.inProcess().inProcessOrProxy(vertx, RestaurantService.class, Addresses.RESTAURANTS, 5000);
  }

  @AfterEach
  void close() throws Exception {
    // only this test's keys; never a flush of the shared Redis
    cache.invalidate(new Invalidation(null, "*", null)).await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("the first cursor page shares page 1's entry; a later one has its own, keyed by the position")
  void cursorPages_cachedUnderThePosition() {
    JsonObject page1 = Await.result(service.byCity("New York", 1, 2));
    assertThat(cacheOutcome(page1)).isEqualTo("MISS");
    JsonObject first = Await.result(service.byCityAfter("new york", null, 2, null));
    // the same rows under page 1's key ("new york" is another key than "New York")
    assertThat(cacheOutcome(Await.result(service.byCityAfter("New York", null, 2, null)))).isEqualTo("HIT");
    assertThat(first.getString("next")).isEqualTo(page1.getString("next"));

    JsonObject second = Await.result(service.byCityAfter("New York", first.getString("next"), 2, null));
    assertThat(cacheOutcome(second)).isEqualTo("MISS");
    JsonObject again = Await.result(service.byCityAfter("New York", first.getString("next"), 2, null));
    assertThat(cacheOutcome(again)).isEqualTo("HIT");
    assertThat(again).isEqualTo(second);

    String last = KnownRestaurants.newYorkNames().get(1);
    long id = KnownRestaurants.id(KnownRestaurants.byName(last));
    String key = "restaurants:city:New+York:a" + id + ":" + last.replace(" ", "+") + ":s2";
    Await.until(key + " in Redis", 2000, () -> redisExists(key)); // the fill's SET follows the reply
  }

  @Test
  @DisplayName("a write through the service drops the cursor pages with the numbered ones")
  void write_dropsCursorPages() {
    String next = Await.result(service.byCityAfter("New York", null, 2, null)).getString("next");
    JsonObject before = Await.result(service.byCityAfter("New York", next, 2, null));
    assertThat(cacheOutcome(Await.result(service.byCityAfter("New York", next, 2, null)))).isEqualTo("HIT");
    String renamed = names(before)[0];

    Await.result(service.update(KnownRestaurants.id(KnownRestaurants.byName(renamed)),
        new JsonObject().put("name", renamed + " Renamed")));

    JsonObject after = Await.result(service.byCityAfter("New York", next, 2, null));
    assertThat(cacheOutcome(after)).isEqualTo("MISS");
    assertThat(names(after)[0]).isEqualTo(renamed + " Renamed");
  }

  private static String[] names(JsonObject page) {
    return page.getJsonArray("items").stream().map(item -> ((JsonObject) item).getString("name")).toArray(String[]::new);
  }

  private boolean redisExists(String key) {
    return Await.result(redis.send(Request.cmd(Command.EXISTS).arg(prefix + key))).toInteger() == 1;
  }
}
