package io.consolidb.cache;

import static io.consolidb.http.KnownRestaurants.CENTRE_LAT;
import static io.consolidb.http.KnownRestaurants.CENTRE_LNG;
import static io.consolidb.testsupport.TestNodes.cacheOutcome;
import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.Addresses;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.query.QueryClient;
import io.consolidb.query.QueryResult;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.testsupport.Await;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The cache on the query path, against the real test PostgreSQL (a private schema) and the
 * shared test Redis (a key prefix of its own): tiers, stampede protection, compression, TTL,
 * and every way an entry is invalidated.
 */
class CachedQueryTest {

  private static TestNode node;
  private Vertx vertx;
  private Redis redis;
  private String prefix;
  private RestaurantService service;
  private QueryClient queries;
  private NodeCache cache;

  @BeforeAll
  static void migrate() {
    node = TestNode.create("cache_query");
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
    JsonObject config = CacheTestKit.config(node, 0, TestServices.redisUrl(), prefix);
    // room for 100 concurrent statements (the stampede test): without the join they would all
    // run and finish, so only its execution count can tell, not an exhausted pool
    config.getJsonObject("database").put("pool", new JsonObject().put("size", 20).put("timeoutSeconds", 10));
    ConsolidbNode deployed = CacheTestKit.deploy(vertx, config);
    cache = deployed.cache();
    redis = CacheTestKit.redis(vertx, TestServices.redisUrl());
    service = deployed.inProcess().inProcessOrProxy(vertx, RestaurantService.class, Addresses.RESTAURANTS, 5000);
    queries = new QueryClient(vertx, 5000, cache);
  }

  @AfterEach
  void close() throws Exception {
    // only this test's keys; never a flush of the shared Redis
    cache.invalidate(new Invalidation(null, "*", null)).await(30, TimeUnit.SECONDS);
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a read is a MISS from PostgreSQL, then a HIT from the local tier")
  void read_missThenLocalHit() throws Exception {
    JsonObject first = service.near(CENTRE_LAT, CENTRE_LNG, 3, 5).await(30, TimeUnit.SECONDS);
    JsonObject second = service.near(CENTRE_LAT, CENTRE_LNG, 3, 5).await(30, TimeUnit.SECONDS);
    assertThat(cacheOutcome(first)).isEqualTo("MISS");
    assertThat(cacheOutcome(second)).isEqualTo("HIT");
    assertThat(second).isEqualTo(first);
    JsonObject stats = stats();
    assertThat(stats.getJsonObject("local").getLong("hits")).isEqualTo(1);
    assertThat(stats.getLong("misses")).isEqualTo(1);
    assertThat(stats.getDouble("hit_rate_percent")).isEqualTo(50.0);
    awaitRedis("restaurants:near:" + CENTRE_LAT + ":" + CENTRE_LNG + ":3.0:5"); // the fill's SET follows the reply
    assertThat(redisExists("restaurants:near:" + CENTRE_LAT + ":" + CENTRE_LNG + ":3.0:5")).isTrue();
  }

  @Test
  @DisplayName("100 concurrent identical misses run the query once, the others joining it")
  void stampede_hundredConcurrentMisses_runOnce() throws Exception {
    queries.write("test", "CREATE SEQUENCE executions", null).await(30, TimeUnit.SECONDS);
    CacheSpec spec = new CacheSpec(60, "stampede:executions", List.of("test"));
    List<Future<QueryResult>> results = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      // long enough for every caller's Redis miss to reach the load while the first one runs
      results.add(queries.readCached("test", "SELECT nextval('executions') AS n, pg_sleep(0.3) AS s", null, spec));
    }
    // every call answers (the pool has room for all of them), so the count below is what fails
    Future.join(results).await(20, TimeUnit.SECONDS);
    long executions = queries.read("test", "SELECT last_value, is_called FROM executions", null).await(30, TimeUnit.SECONDS)
        .firstRow().getLong("last_value");
    assertThat(executions).as("times the statement ran").isEqualTo(1);
    for (Future<QueryResult> result : results) {
      assertThat(result.succeeded()).as("every caller answered").isTrue();
      assertThat(result.result().firstRow().getLong("n")).isEqualTo(1L);
    }
    assertThat(stats().getLong("stampede_joins")).isEqualTo(99);
  }

  @Test
  @DisplayName("a write through the service drops the cached reads before it answers")
  void serviceWrite_noStaleRead() throws Exception {
    assertThat(service.get(1).await(30, TimeUnit.SECONDS).getString("name")).isEqualTo("Times Square Deli");
    assertThat(cacheOutcome(service.get(1).await(30, TimeUnit.SECONDS))).isEqualTo("HIT");
    JsonObject near = service.near(CENTRE_LAT, CENTRE_LNG, 50, 200).await(30, TimeUnit.SECONDS);
    service.update(1, new JsonObject().put("name", "Renamed Deli")).await(30, TimeUnit.SECONDS);
    JsonObject after = service.get(1).await(30, TimeUnit.SECONDS);
    assertThat(after.getString("name")).isEqualTo("Renamed Deli");
    assertThat(cacheOutcome(after)).isEqualTo("MISS");
    JsonObject nearAfter = service.near(CENTRE_LAT, CENTRE_LNG, 50, 200).await(30, TimeUnit.SECONDS);
    assertThat(cacheOutcome(nearAfter)).isEqualTo("MISS");
    assertThat(nearAfter.getJsonArray("items").stream().map(o -> ((JsonObject) o).getString("name")))
        .contains("Renamed Deli");
    service.delete(1).await(30, TimeUnit.SECONDS);
    assertThat(service.near(CENTRE_LAT, CENTRE_LNG, 50, 200).await(30, TimeUnit.SECONDS).getInteger("count"))
        .isEqualTo(near.getInteger("count") - 1);
  }

  /** Every cached read shape of the restaurant service, by name: filtered and cursor pages included. */
  private Map<String, Supplier<JsonObject>> restaurantReads() {
    JsonObject dairy = new JsonObject().put("kosher_category", "dairy");
    // the position after the first two of New York by name: a position, so still valid after each write below
    String cursor = Await.result(service.byCity("New York", 1, 2)).getString("next");
    Map<String, Supplier<JsonObject>> reads = new LinkedHashMap<>();
    reads.put("get", () -> Await.result(service.get(2)));
    reads.put("near", () -> Await.result(service.near(CENTRE_LAT, CENTRE_LNG, 50, 200)));
    reads.put("near filtered", () -> Await.result(service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 50, 200, dairy)));
    reads.put("near by rating", () -> Await.result(service.nearFiltered(CENTRE_LAT, CENTRE_LNG, 50, 200,
        new JsonObject().put("sort", "rating"))));
    reads.put("byCity", () -> Await.result(service.byCity("New York", 1, 20)));
    reads.put("byCity filtered", () -> Await.result(service.byCityFiltered("New York", 1, 20, dairy)));
    reads.put("byCity after a cursor", () -> Await.result(service.byCityAfter("New York", cursor, 2, null)));
    reads.put("search", () -> Await.result(service.search("deli", 20)));
    reads.put("search filtered", () -> Await.result(service.searchFiltered("deli", 20, dairy)));
    return reads;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"create", "update", "delete"})
  @DisplayName("straight after each kind of restaurant write, every cached read shape is a MISS")
  void eachWrite_everyReadShapeMisses(String write) throws Exception {
    Map<String, Supplier<JsonObject>> reads = restaurantReads();
    reads.forEach((shape, read) -> {
      read.get();
      assertThat(cacheOutcome(read.get())).as("%s warmed", shape).isEqualTo("HIT");
    });
    switch (write) {
      case "create" -> service.create(new JsonObject().put("name", "New Deli").put("city", "New York")
          .put("latitude", CENTRE_LAT).put("longitude", CENTRE_LNG)).await(30, TimeUnit.SECONDS);
      case "update" -> service.update(3, new JsonObject().put("name", "Renamed Bagels")).await(30, TimeUnit.SECONDS);
      default -> service.delete(4).await(30, TimeUnit.SECONDS);
    }
    reads.forEach((shape, read) -> assertThat(cacheOutcome(read.get())).as("%s after %s", shape, write)
        .isEqualTo("MISS"));
  }

  @Test
  @DisplayName("an UPDATE made with plain SQL elsewhere reaches the cache within one second")
  void plainSqlUpdate_invalidatesThroughNotify() throws Exception {
    service.get(2).await(30, TimeUnit.SECONDS);
    assertThat(cacheOutcome(service.get(2).await(30, TimeUnit.SECONDS))).isEqualTo("HIT");
    PgConnection conn = PgConnection.connect(vertx, PgConnectOptions.fromUri(node.databaseUrl())).await(30, TimeUnit.SECONDS);
    try {
      conn.query("UPDATE restaurants SET name = 'Changed Outside' WHERE id = 2").execute().await(30, TimeUnit.SECONDS);
    } finally {
      conn.close().await(30, TimeUnit.SECONDS);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    String name;
    do {
      name = service.get(2).await(30, TimeUnit.SECONDS).getString("name");
    } while (!"Changed Outside".equals(name) && System.nanoTime() < deadline);
    assertThat(name).isEqualTo("Changed Outside");
    assertThat(stats().getJsonObject("invalidations").getLong("notifications")).isGreaterThan(0);
  }

  @Test
  @DisplayName("a change to the same table in another schema of the database leaves this node's entries alone")
  void otherSchemaChange_ignored() throws Exception {
    service.get(3).await(30, TimeUnit.SECONDS);
    assertThat(cacheOutcome(service.get(3).await(30, TimeUnit.SECONDS))).isEqualTo("HIT");
    long before = stats().getJsonObject("invalidations").getLong("notifications", 0L);
    try (TestNode other = TestNode.create("cache_other")) {
      other.reseed(); // inserts into restaurants of another schema: notifications on the same channel
      Thread.sleep(500);
      assertThat(cacheOutcome(service.get(3).await(30, TimeUnit.SECONDS))).isEqualTo("HIT");
      assertThat(stats().getJsonObject("invalidations").getLong("notifications", 0L)).isEqualTo(before);
    }
  }

  @Test
  @DisplayName("invalidation by key, by glob pattern and by tag empties both tiers")
  void invalidate_keyPatternTag_bothTiers() throws Exception {
    service.get(1).await(30, TimeUnit.SECONDS);
    service.get(2).await(30, TimeUnit.SECONDS);
    service.near(CENTRE_LAT, CENTRE_LNG, 3, 5).await(30, TimeUnit.SECONDS);
    service.search("deli", 5).await(30, TimeUnit.SECONDS);
    for (String key : List.of("restaurants:id:1", "restaurants:id:2", "restaurants:near:" + CENTRE_LAT + ":"
        + CENTRE_LNG + ":3.0:5", "restaurants:search:deli:5")) {
      awaitRedis(key); // the fill's SET follows the reply
    }
    assertThat(redisExists("restaurants:id:1")).isTrue();

    JsonObject byKey = invalidate(new JsonObject().put("keys", JsonArray.of("restaurants:id:1")));
    assertThat(byKey.getLong("local")).isEqualTo(1);
    assertThat(byKey.getLong("redis")).isEqualTo(1);
    assertThat(redisExists("restaurants:id:1")).isFalse();
    assertThat(cacheOutcome(service.get(1).await(30, TimeUnit.SECONDS))).isEqualTo("MISS");
    awaitRedis("restaurants:id:1"); // the fill's SET is sent after the reply

    JsonObject byPattern = invalidate(new JsonObject().put("pattern", "restaurants:id:*"));
    assertThat(byPattern.getLong("local")).isEqualTo(2);
    assertThat(byPattern.getLong("redis")).isEqualTo(2);
    assertThat(redisExists("restaurants:id:2")).isFalse();
    assertThat(redisExists("restaurants:near:" + CENTRE_LAT + ":" + CENTRE_LNG + ":3.0:5")).isTrue();

    JsonObject byTag = invalidate(new JsonObject().put("tags", JsonArray.of("restaurants")));
    assertThat(byTag.getLong("local")).isEqualTo(2);
    assertThat(byTag.getLong("redis")).isEqualTo(2);
    assertThat(redisExists("restaurants:near:" + CENTRE_LAT + ":" + CENTRE_LNG + ":3.0:5")).isFalse();
    assertThat(stats().getLong("entries")).isZero();
  }

  @Test
  @DisplayName("a Redis hit is read in-process, without the query verticle, and a miss asks Redis once")
  void redisHit_inProcess_missAsksOnce() throws Exception {
    AtomicInteger toQueryVerticle = new AtomicInteger();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if (Addresses.DB_QUERY.equals(delivery.message().address())) {
        toQueryVerticle.incrementAndGet();
      }
      delivery.next();
    });
    CacheSpec spec = new CacheSpec(60, "redis:in-process", List.of("test"));
    long redisMisses = stats().getJsonObject("redis").getLong("misses");

    assertThat(queries.readCached("test", "SELECT 42 AS n", null, spec).await(30, TimeUnit.SECONDS).cached()).isFalse();
    assertThat(toQueryVerticle.get()).as("messages to the query verticle for the miss").isEqualTo(1);
    assertThat(stats().getJsonObject("redis").getLong("misses") - redisMisses).as("Redis lookups for the miss")
        .isEqualTo(1);

    awaitRedis("redis:in-process");
    invalidateLocalOnly("redis:in-process");
    QueryResult fromRedis = queries.readCached("test", "SELECT 42 AS n", null, spec).await(30, TimeUnit.SECONDS);
    assertThat(fromRedis.cached()).isTrue();
    assertThat(fromRedis.firstRow().getInteger("n")).isEqualTo(42);
    assertThat(toQueryVerticle.get()).as("messages to the query verticle after the Redis hit").isEqualTo(1);
  }

  @Test
  @DisplayName("a write that asks for the cache is refused with 400 and does not run")
  void cacheOnWrite_refused() throws Exception {
    queries.write("test", "CREATE TABLE written (n int)", null).await(30, TimeUnit.SECONDS);
    CacheSpec spec = new CacheSpec(60, "write:refused", List.of("test"));
    for (int i = 0; i < 2; i++) {
      Throwable refused = queries.query(new JsonObject().put("sql", "INSERT INTO written VALUES (1)")
          .put("cache", spec.toJson())).transform(done -> Future.succeededFuture(done.cause()))
          .await(30, TimeUnit.SECONDS);
      assertThat(refused).isInstanceOf(io.vertx.serviceproxy.ServiceException.class);
      assertThat(((io.vertx.serviceproxy.ServiceException) refused).failureCode()).isEqualTo(400);
    }
    assertThat(queries.read("test", "SELECT count(*) AS n FROM written", null).await(30, TimeUnit.SECONDS).firstRow().getLong("n"))
        .isZero();
  }

  @Test
  @DisplayName("a large value is stored LZ4-compressed in Redis and read back intact")
  void largeValue_compressedInRedis() throws Exception {
    String sql = "SELECT g AS id, repeat('kosher deli ', 20) AS text FROM generate_series(1, 50) g";
    CacheSpec spec = new CacheSpec(60, "big:value", List.of("test"));
    QueryResult original = queries.readCached("test", sql, null, spec).await(30, TimeUnit.SECONDS);
    awaitRedis("big:value"); // the fill's SET follows the reply
    Response stored = redis.send(Request.cmd(Command.GET).arg(prefix + "big:value")).await(30, TimeUnit.SECONDS);
    assertThat(stored.toBuffer().getByte(0)).as("stamped with its load and freshness times").isEqualTo((byte) 'S');
    assertThat(stored.toBuffer().getByte(1 + 2 * Long.BYTES)).isEqualTo((byte) 'L');
    JsonObject compression = stats().getJsonObject("compression");
    assertThat(compression.getLong("compressed_values")).isEqualTo(1);
    assertThat(stats().getLong("bytes_saved")).isGreaterThan(original.rows().encode().length() / 2);
    // local tier dropped: the next read decodes the Redis copy
    invalidateLocalOnly("big:value");
    QueryResult fromRedis = queries.readCached("test", sql, null, spec).await(30, TimeUnit.SECONDS);
    assertThat(fromRedis.cached()).isTrue();
    assertThat(fromRedis.rows()).isEqualTo(original.rows());
    assertThat(stats().getJsonObject("redis").getLong("hits")).isEqualTo(1);
  }

  @Test
  @DisplayName("an entry expires after its own TTL in both tiers")
  void entry_expiresAfterTtl() throws Exception {
    CacheSpec spec = new CacheSpec(1, "short:lived", List.of());
    assertThat(queries.readCached("test", "SELECT 1 AS one", null, spec).await(30, TimeUnit.SECONDS).cached()).isFalse();
    assertThat(queries.readCached("test", "SELECT 1 AS one", null, spec).await(30, TimeUnit.SECONDS).cached()).isTrue();
    Await.until("the Redis copy expires", 5000, () -> !redisExists("short:lived"));
    assertThat(queries.readCached("test", "SELECT 1 AS one", null, spec).await(30, TimeUnit.SECONDS).cached()).isFalse();
    assertThat(stats().getLong("expirations")).isEqualTo(1);
  }

  @Test
  @DisplayName("without a key, an entry is keyed by its SQL and parameters")
  void noKey_hashOfSqlAndParams() throws Exception {
    CacheSpec spec = new CacheSpec(null, null, List.of("restaurants"));
    String sql = "SELECT name FROM restaurants WHERE id = $1";
    assertThat(queries.readCached("t", sql, JsonArray.of(1), spec).await(30, TimeUnit.SECONDS).cached()).isFalse();
    assertThat(queries.readCached("t", sql, JsonArray.of(2), spec).await(30, TimeUnit.SECONDS).cached()).isFalse();
    QueryResult again = queries.readCached("t", sql, JsonArray.of(1), spec).await(30, TimeUnit.SECONDS);
    assertThat(again.cached()).isTrue();
    assertThat(again.firstRow().getString("name")).isEqualTo("Times Square Deli");
  }

  private void invalidateLocalOnly(String key) {
    cache.invalidatedElsewhere(new Invalidation(List.of(key), null, null));
  }

  private void awaitRedis(String key) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    while (!redisExists(key) && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(redisExists(key)).as("%s in Redis", key).isTrue();
  }

  private boolean redisExists(String key) {
    return Await.result(redis.send(Request.cmd(Command.EXISTS).arg(prefix + key))).toInteger() == 1;
  }

  private JsonObject stats() throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.CACHE_STATS, new JsonObject()).await(30, TimeUnit.SECONDS).body();
  }

  private JsonObject invalidate(JsonObject request) throws Exception {
    return vertx.eventBus().<JsonObject>request(Addresses.CACHE_INVALIDATE, request).await(30, TimeUnit.SECONDS).body();
  }
}
