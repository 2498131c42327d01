package io.consolidb.cache;

import static io.consolidb.http.KnownRestaurants.CENTRE_LAT;
import static io.consolidb.http.KnownRestaurants.CENTRE_LNG;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Filtered restaurant reads in the cache, against the real test PostgreSQL and Redis: equivalent
 * filters share one entry, a write drops the filtered entries with the others, and city pages by
 * cursor are cached under their position and dropped by the same writes.
 */
class FilteredReadCacheTest {

  private static TestNode node;
  private Vertx vertx;
  private Redis redis;
  private io.micrometer.core.instrument.MeterRegistry registry;
  private String prefix;
  private RestaurantService service;
  private NodeCache cache;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("cache_filters");
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
    registry = deployed.registry();
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
  @DisplayName("two equivalent filtered requests share one cache entry under the normalised key")
  void equivalentFilters_shareOneEntry() throws Exception {
    JsonObject first = near(new JsonObject().put("kosher_category", JsonArray.of("meat", "dairy"))
        .put("min_rating", 4).put("status", "open"));
    JsonObject second = near(new JsonObject().put("status", JsonArray.of("OPEN"))
        .put("kosher_category", JsonArray.of("Dairy", "meat", "dairy")).put("min_rating", 3.95).put("sort", "distance"));
    assertThat(cacheOutcome(first)).isEqualTo("MISS");
    assertThat(cacheOutcome(second)).isEqualTo("HIT");
    assertThat(second).isEqualTo(first);
    assertThat(first.getInteger("count")).isEqualTo(4);
    String key = "restaurants:near:" + CENTRE_LAT + ":" + CENTRE_LNG + ":3.0:20:f:kc=dairy,meat:mr=4:st=open";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (!redisExists(key) && System.nanoTime() < deadline) {
      Thread.onSpinWait(); // the fill's SET follows the reply
    }
    assertThat(redisExists(key)).as("%s in Redis", key).isTrue();
  }

  @Test
  @DisplayName("a search and a radius sorted by rating miss under the cluster lease; a nearest-first radius does not")
  void expensiveReads_clusterWide() throws Exception {
    service.near(CENTRE_LAT, CENTRE_LNG, 3, 20).await(30, TimeUnit.SECONDS);
    assertThat(leases()).as("a nearest-first radius read takes no lease").isZero();
    service.searchFiltered("deli", 20, null).await(30, TimeUnit.SECONDS);
    assertThat(leases()).as("a search's miss ran under the lease").isEqualTo(1);
    near(new JsonObject().put("sort", "rating"));
    assertThat(leases()).as("so did a radius read sorted by rating").isEqualTo(2);
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

  private double leases() {
    return registry.counter("consolidb.cache.lease", "outcome", "acquired").count();
  }

  @Test
  @DisplayName("different filters have entries of their own, apart from the unfiltered read")
  void differentFilters_ownEntries() throws Exception {
    assertThat(cacheOutcome(service.near(CENTRE_LAT, CENTRE_LNG, 3, 20).await(30, TimeUnit.SECONDS))).isEqualTo("MISS");
    assertThat(cacheOutcome(near(new JsonObject().put("kosher_category", "meat")))).isEqualTo("MISS");
    assertThat(cacheOutcome(near(new JsonObject().put("kosher_category", "dairy")))).isEqualTo("MISS");
    // sort=distance is the default: the unfiltered read's entry
    assertThat(cacheOutcome(near(new JsonObject().put("sort", "distance")))).isEqualTo("HIT");
  }

  @Test
  @DisplayName("a write through the service drops the filtered entries of near, byCity and search")
  void write_dropsFilteredEntries() throws Exception {
    JsonObject dairy = new JsonObject().put("kosher_category", "dairy");
    near(dairy);
    service.byCityFiltered("New York", 1, 20, dairy).await(30, TimeUnit.SECONDS);
    service.searchFiltered("deli", 20, dairy).await(30, TimeUnit.SECONDS);
    assertThat(cacheOutcome(near(dairy))).isEqualTo("HIT");
    assertThat(cacheOutcome(service.byCityFiltered("New York", 1, 20, dairy).await(30, TimeUnit.SECONDS))).isEqualTo("HIT");
    assertThat(cacheOutcome(service.searchFiltered("deli", 20, dairy).await(30, TimeUnit.SECONDS))).isEqualTo("HIT");

    // Times Square Deli becomes dairy: every filtered read must now see it
    service.update(1, new JsonObject().put("kosher_category", "dairy")).await(30, TimeUnit.SECONDS);

    JsonObject nearAfter = near(dairy);
    assertThat(cacheOutcome(nearAfter)).isEqualTo("MISS");
    assertThat(nearAfter.getJsonArray("items").getJsonObject(0).getString("name")).isEqualTo("Times Square Deli");
    JsonObject cityAfter = service.byCityFiltered("New York", 1, 20, dairy).await(30, TimeUnit.SECONDS);
    assertThat(cacheOutcome(cityAfter)).isEqualTo("MISS");
    assertThat(cityAfter.getInteger("count")).isEqualTo(4);
    JsonObject searchAfter = service.searchFiltered("deli", 20, dairy).await(30, TimeUnit.SECONDS);
    assertThat(cacheOutcome(searchAfter)).isEqualTo("MISS");
    assertThat(searchAfter.getInteger("count")).isEqualTo(1);
  }

  @Test
  @DisplayName("open_at is keyed by its minute in UTC: another offset or second of that minute is a hit")
  void openAt_keyedByTheMinute() throws Exception {
    // no hours are set here: the table's change notification would drop the entries mid-test
    JsonObject first = near(new JsonObject().put("open_at", "2026-12-07T18:30:10Z"));
    JsonObject second = near(new JsonObject().put("open_at", "2026-12-07T13:30:59.9-05:00"));
    JsonObject next = near(new JsonObject().put("open_at", "2026-12-07T18:31:00Z"));
    assertThat(cacheOutcome(first)).isEqualTo("MISS");
    assertThat(cacheOutcome(second)).isEqualTo("HIT");
    assertThat(cacheOutcome(next)).as("the next minute has an entry of its own").isEqualTo("MISS");
    assertThat(second).isEqualTo(first);
    assertThat(redisEventually("restaurants:near:" + CENTRE_LAT + ":" + CENTRE_LNG + ":3.0:20:f:at=20261207T1830Z")).isTrue();
  }

  @Test
  @DisplayName("open_now is keyed by the current minute, the entry open_at of that minute uses")
  void openNow_keyedByTheCurrentMinute() throws Exception {
    Instant before = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    assertThat(cacheOutcome(near(new JsonObject().put("open_now", true)))).isEqualTo("MISS");
    Instant after = Instant.now().truncatedTo(ChronoUnit.MINUTES);
    DateTimeFormatter minute = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmm'Z'").withZone(ZoneOffset.UTC);
    String base = "restaurants:near:" + CENTRE_LAT + ":" + CENTRE_LNG + ":3.0:20:f:at=";
    // the read ran within [before, after]: its minute is one of the two
    boolean keyed = redisEventually(base + minute.format(before)) || redisExists(base + minute.format(after));
    assertThat(keyed).as("an entry under the minute of the read").isTrue();
    Instant at = redisExists(base + minute.format(before)) ? before : after;
    assertThat(cacheOutcome(near(new JsonObject().put("open_at", at.toString())))).isEqualTo("HIT");
  }

  /** Whether {@code key} is in Redis within 2 s (the fill's SET follows the reply). */
  private boolean redisEventually(String key) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (!redisExists(key) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    return redisExists(key);
  }

  private JsonObject near(JsonObject filters) {
    return Await.result(service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 3, 20, filters));
  }

  private boolean redisExists(String key) {
    return Await.result(redis.send(Request.cmd(Command.EXISTS).arg(prefix + key))).toInteger() == 1;
  }
}
