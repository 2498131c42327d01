package io.consolidb.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.demo.DemoDataGenerator.Restaurant;
import io.consolidb.restaurant.impl.RestaurantSqlForBenchmarks;
import io.consolidb.testsupport.TestSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ways of inserting demo rows, measured side by side in one run (excluded from the normal build;
 * run it with {@code java ... io.consolidb.demo.DemoDataSeedBenchmark [rows]} or through the
 * JUnit launcher with the {@code benchmark} tag). Each variant fills a fresh schema with the same
 * rows; the table has all its indexes, as in real seeding.
 */
@Tag("benchmark")
@Timeout(value = 30, unit = TimeUnit.MINUTES)
class DemoDataSeedBenchmark {

  private static final long SEED = 1L;

  @Test
  void unnestChunksAgainstExecuteBatch() throws Exception {
    run(Integer.getInteger("bench.rows", 100_000), false);
  }

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    boolean onlyDefault = args.length > 1 && args[1].equals("default-only");
    run(rows, onlyDefault);
  }

  private static void run(int rows, boolean onlyDefault) throws Exception {
    Map<String, Function<Pool, Future<Integer>>> variants = new LinkedHashMap<>();
    variants.put("unnest, " + DemoDataSeeder.CHUNK_SIZE + "-row chunks (default)",
        pool -> DemoDataSeeder.seed(pool, rows, SEED));
    if (!onlyDefault) {
      variants.put("unnest, 1000-row chunks", pool -> DemoDataSeeder.seed(pool, rows, SEED, 1_000));
      variants.put("unnest, 20000-row chunks",
          pool -> DemoDataSeeder.seed(pool, rows, SEED, 20_000));
      variants.put("executeBatch of RestaurantSql.INSERT, 1000 per batch",
          pool -> executeBatch(pool, rows, 1_000));
    }
    Vertx vertx = Vertx.vertx();
    Map<String, Double> rates = new LinkedHashMap<>();
    try {
      // warm-up: JIT, Flyway, the server's caches; not measured
      try (TestSchema schema = TestSchema.create("bench")) {
        schema.migrate();
        Pool pool = schema.pool(vertx, 4);
        DemoDataSeeder.seed(pool, 20_000, SEED).await(5, TimeUnit.MINUTES);
        executeBatch(pool, 5_000, 1_000).await(5, TimeUnit.MINUTES);
        pool.close().await(10, TimeUnit.SECONDS);
      }
      for (Map.Entry<String, Function<Pool, Future<Integer>>> v : variants.entrySet()) {
        try (TestSchema schema = TestSchema.create("bench")) {
          schema.migrate();
          Pool pool = schema.pool(vertx, 4);
          long start = System.nanoTime();
          int inserted = v.getValue().apply(pool).await(30, TimeUnit.MINUTES);
          double seconds = (System.nanoTime() - start) / 1e9;
          assertThat(inserted).isEqualTo(rows);
          rates.put(v.getKey(), rows / seconds);
          System.out.printf("%-58s %,10d rows in %7.2f s  %,9.0f rows/s%n", v.getKey(), rows,
              seconds, rows / seconds);
          pool.close().await(10, TimeUnit.SECONDS);
        }
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    double baseline = rates.values().stream().reduce((a, b) -> b).orElseThrow();
    rates.forEach((name, rate) ->
        System.out.printf("%-58s %5.2fx the last variant%n", name, rate / baseline));
  }

  /** Single-row INSERTs, a batch at a time: what a service would do with one INSERT. */
  private static Future<Integer> executeBatch(Pool pool, int rows, int batch) {
    List<Restaurant> all = DemoDataGenerator.generate(rows, SEED);
    Future<Integer> chain = Future.succeededFuture(0);
    for (int from = 0; from < rows; from += batch) {
      List<Tuple> tuples = new ArrayList<>(batch);
      for (Restaurant r : all.subList(from, Math.min(rows, from + batch))) {
        tuples.add(Tuple.wrap(new Object[] {r.name(), r.address(), r.city(), r.state(),
            r.postalCode(), r.phone(), r.website(), r.kosherCategory(), r.certifyingAgency(),
            r.hoursJson() == null ? null : new io.vertx.core.json.JsonObject(r.hoursJson()),
            r.priceRange(), r.rating(), r.status(), r.latitude(), r.longitude(), null}));
      }
      int size = tuples.size();
      chain = chain.compose(n -> pool.preparedQuery(RestaurantSqlForBenchmarks.INSERT)
          .executeBatch(tuples).map(done -> n + size));
    }
    return chain;
  }
}
