package io.consolidb.cache;

import io.consolidb.Addresses;
import io.consolidb.bench.RadiusLatency;
import io.consolidb.bench.ServiceLatency;
import io.consolidb.config.NodeSettings;
import io.consolidb.demo.DemoDataSeeder;
import io.consolidb.http.TestNode;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.restaurant.impl.RestaurantSqlForBenchmarks;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The radius query (10 km around 40.7128,-74.0060, limit 20, over 100k demo restaurants) through
 * the RestaurantService proxy, one request at a time, measured side by side in one run:
 * uncached, from the local tier, and from Redis with the local tier off (with and without
 * compression), plus the codec's own cost on that value. The node and the measurement are
 * {@link RadiusLatency}'s, the same the benchmark harness uses for {@code cache_speedup_local}
 * and {@code cache_speedup_redis}; metrics are off here, on in the harness (as deployed). docs/CACHE.md records a run:
 * <pre>./mvnw -B -o verify -Dtest.excludedGroups= -Dgroups=benchmark -Dtest=CacheLatencyBenchmark</pre>
 */
@Tag("benchmark")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class CacheLatencyBenchmark {

  private static final double LAT = RadiusLatency.LAT;
  private static final double LNG = RadiusLatency.LNG;
  private static final int ROWS = Integer.getInteger("bench.rows", 100_000);

  @Test
  void radiusQuery_uncachedVsLocalVsRedis() throws Exception {
    try (TestNode node = TestNode.create("cache_bench")) {
      seed(node);
      String prefix = CacheTestKit.uniquePrefix();
      StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
          "radius query, 10 km around %s,%s, limit 20, %d restaurants, through the RestaurantService proxy%n"
              + "%-34s %10s %10s %10s %8s%n", LAT, LNG, ROWS, "variant", "p50 µs", "p90 µs", "p99 µs", "calls"));
      double uncached = measure(report, "uncached (PostgreSQL)", node, null, 3_000);
      JsonObject local = CacheTestKit.config(node, 0, TestServices.redisUrl(), prefix);
      double localP50 = measure(report, "local tier (Caffeine)", node, local, 30_000);
      JsonObject redis = CacheTestKit.config(node, 0, TestServices.redisUrl(), prefix);
      redis.getJsonObject("cache").put("localEnabled", false);
      double redisP50 = measure(report, "Redis, local tier off, LZ4", node, redis, 10_000);
      JsonObject raw = CacheTestKit.config(node, 0, TestServices.redisUrl(), prefix + "raw:");
      raw.getJsonObject("cache").put("localEnabled", false).put("compressThresholdBytes", 0);
      measure(report, "Redis, local tier off, uncompressed", node, raw, 10_000);
      report.append(String.format(Locale.ROOT, "speedup local %.1fx, Redis %.1fx%n", uncached / localP50,
          uncached / redisP50));
      report.append(codecCost(node));
      System.out.println("\n" + report);
      cleanUp(prefix);
    }
  }

  private static void seed(TestNode node) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(4))
          .connectingTo(PgConnectOptions.fromUri(node.databaseUrl())).using(vertx).build();
      DemoDataSeeder.seed(pool, ROWS, 1L).await(5, TimeUnit.MINUTES);
      pool.query("ANALYZE restaurants").execute().await(30, TimeUnit.SECONDS);
      pool.close().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** p50 in µs of {@code calls} sequential near() calls after as many warm-up calls. */
  private static double measure(StringBuilder report, String name, TestNode node, JsonObject cacheConfig, int calls)
      throws Exception {
    JsonObject config = (cacheConfig != null ? cacheConfig : node.config(0, "")).copy()
        .put("metrics", new JsonObject().put("enabled", false));
    ConsolidbNode started = RadiusLatency.start(NodeSettings.fromJson(config));
    Vertx vertx = started.vertx();
    try {
      RestaurantService service = ServiceLatency.sameNode(started, RestaurantService.class, Addresses.RESTAURANTS);
      String expected = cacheConfig == null ? null : "HIT";
      // warm-up: JIT, pool, prepared statements, the cache entry (its first call is the one miss)
      service.near(LAT, LNG, 10, 20).await(10, TimeUnit.SECONDS);
      RadiusLatency.measure(vertx, service, calls, expected);
      ServiceLatency.Latencies latencies = RadiusLatency.measure(vertx, service, calls, expected);
      double p50 = latencies.micros(50);
      report.append(String.format(Locale.ROOT, "%-34s %10.1f %10.1f %10.1f %8d%s%n", name, p50,
          latencies.micros(90), latencies.micros(99), calls,
          latencies.unexpected() > 0 ? " (" + latencies.unexpected() + " misses)" : ""));
      return p50;
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** LZ4 on the radius query's cached value (its rows as the query layer caches them). */
  private static String codecCost(TestNode node) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Pool pool = PgBuilder.pool().connectingTo(PgConnectOptions.fromUri(node.databaseUrl())).using(vertx).build();
      JsonArray rows = new JsonArray();
      pool.preparedQuery(RestaurantSqlForBenchmarks.NEAR)
          .execute(io.vertx.sqlclient.Tuple.of(LAT, LNG, 10_000.0, 20)).await(30, TimeUnit.SECONDS)
          .forEach(row -> rows.add(row.toJson()));
      pool.close().await(30, TimeUnit.SECONDS);
      Buffer json = rows.toBuffer();
      ValueCodec codec = new ValueCodec(1024);
      int n = 20_000;
      ValueCodec.Encoded encoded = null;
      for (int i = 0; i < n; i++) {
        encoded = codec.encode(json);
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        encoded = codec.encode(json);
      }
      long encodeNs = (System.nanoTime() - t0) / n;
      for (int i = 0; i < n; i++) {
        ValueCodec.decode(encoded.stored());
      }
      long t1 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        ValueCodec.decode(encoded.stored());
      }
      long decodeNs = (System.nanoTime() - t1) / n;
      ValueCodec.Encoded plain = new ValueCodec(0).encode(json);
      for (int i = 0; i < n; i++) {
        ValueCodec.decode(plain.stored());
      }
      long t2 = System.nanoTime();
      for (int i = 0; i < n; i++) {
        ValueCodec.decode(plain.stored());
      }
      long parseNs = (System.nanoTime() - t2) / n;
      return String.format(Locale.ROOT,
          "value: %d JSON bytes -> %d stored with LZ4 (%.0f%% saved); compress %.1f µs,"
              + " decompress+parse %.1f µs, parse alone %.1f µs%n",
          json.length(), encoded.stored().length(), 100.0 * encoded.saved() / json.length(),
          encodeNs / 1000.0, decodeNs / 1000.0, parseNs / 1000.0);
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static void cleanUp(String prefix) {
    ServiceLatency.deleteKeys(TestServices.redisUrl(), prefix);
  }
}
