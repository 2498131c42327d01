package io.consolidb.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.demo.DemoDataGenerator.Restaurant;
import io.consolidb.testsupport.TestSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DemoDataSeederTest {

  private static final long SEED = 42L;

  /** Every column the generator fills, in a stable text form; ids and timestamps left out. */
  private static final String ROWS_HASH_SQL = "SELECT count(*) AS n, md5(string_agg(concat_ws('|',"
      + " name, address, city, state, postal_code, phone, website, kosher_category,"
      + " certifying_agency, hours::text, price_range, rating, status, latitude, longitude),"
      + " E'\\n' ORDER BY id)) AS hash FROM restaurants";

  private TestSchema schema;
  private Pool pool;

  @BeforeEach
  void migrate(Vertx vertx) {
    schema = TestSchema.create("generator");
    schema.migrate();
    pool = schema.pool(vertx, 4);
  }

  @AfterEach
  void drop() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
    schema.close();
  }

  @Test
  @DisplayName("seeding inserts the requested count, in chunks, with the generated values")
  void seed_insertsCount() {
    int count = DemoDataSeeder.CHUNK_SIZE * 2 + 123; // two full chunks and a partial one

    int inserted = await(DemoDataSeeder.seed(pool, count, SEED));

    assertThat(inserted).isEqualTo(count);
    Row stats = await(pool.query("SELECT count(*) AS n, min(latitude) AS min_lat,"
        + " max(latitude) AS max_lat, min(longitude) AS min_lng, max(longitude) AS max_lng,"
        + " count(*) FILTER (WHERE status = 'open') AS open FROM restaurants").execute())
        .iterator().next();
    assertThat(stats.getLong("n")).isEqualTo(count);
    assertThat(stats.getDouble("min_lat")).isGreaterThan(25.0); // Miami
    assertThat(stats.getDouble("max_lat")).isLessThan(52.0); // London
    assertThat(stats.getDouble("min_lng")).isGreaterThan(-119.0); // Los Angeles
    assertThat(stats.getDouble("max_lng")).isLessThan(36.0); // Jerusalem
    assertThat(stats.getLong("open")).isGreaterThan(count * 85L / 100);

    // the first stored row is the first generated row, value for value
    Restaurant expected = DemoDataGenerator.generate(1, SEED).get(0);
    Row first = await(pool.query("SELECT * FROM restaurants ORDER BY id LIMIT 1").execute())
        .iterator().next();
    assertThat(first.getString("name")).isEqualTo(expected.name());
    assertThat(first.getString("address")).isEqualTo(expected.address());
    assertThat(first.getString("phone")).isEqualTo(expected.phone());
    // jsonb keeps its own key order: compare as objects
    assertThat(first.getJsonObject("hours")).isEqualTo(new JsonObject(expected.hoursJson()));
    assertThat(first.getDouble("latitude")).isEqualTo(expected.latitude());
    assertThat(first.getDouble("longitude")).isEqualTo(expected.longitude());
  }

  @Test
  @DisplayName("the same seed stores identical rows; another seed does not")
  void seed_sameSeed_identicalRows() throws Exception {
    await(DemoDataSeeder.seed(pool, 3_000, SEED));
    Row first = await(pool.query(ROWS_HASH_SQL).execute()).iterator().next();

    await(pool.query("TRUNCATE restaurants RESTART IDENTITY CASCADE").execute());
    await(DemoDataSeeder.seed(pool, 3_000, SEED));
    Row second = await(pool.query(ROWS_HASH_SQL).execute()).iterator().next();

    await(pool.query("TRUNCATE restaurants RESTART IDENTITY CASCADE").execute());
    await(DemoDataSeeder.seed(pool, 3_000, SEED + 1));
    Row other = await(pool.query(ROWS_HASH_SQL).execute()).iterator().next();

    assertThat(first.getLong("n")).isEqualTo(3_000);
    assertThat(second.getString("hash")).isEqualTo(first.getString("hash"));
    assertThat(other.getString("hash")).isNotEqualTo(first.getString("hash"));
  }

  @Test
  void seed_zero_insertsNothing() {
    assertThat(await(DemoDataSeeder.seed(pool, 0, SEED))).isZero();
    assertThat(count()).isZero();
  }

  @Test
  @DisplayName("seedIfEmpty seeds an empty table once and leaves a filled one alone")
  void seedIfEmpty_idempotent() {
    assertThat(await(DemoDataSeeder.seedIfEmpty(pool, 1_000, SEED))).isTrue();
    assertThat(await(DemoDataSeeder.seedIfEmpty(pool, 1_000, SEED))).isFalse();
    assertThat(await(DemoDataSeeder.seedIfEmpty(pool, 5_000, SEED + 1))).isFalse();
    assertThat(count()).isEqualTo(1_000);
  }

  @Test
  @DisplayName("nodes calling seedIfEmpty at once seed the table exactly once")
  void seedIfEmpty_concurrent_seedsOnce() {
    List<Future<Boolean>> calls = List.of(
        DemoDataSeeder.seedIfEmpty(pool, 2_000, SEED),
        DemoDataSeeder.seedIfEmpty(pool, 2_000, SEED),
        DemoDataSeeder.seedIfEmpty(pool, 2_000, SEED));

    List<Boolean> seeded = await(Future.all(calls)).list();

    assertThat(seeded).containsOnlyOnce(true);
    assertThat(count()).isEqualTo(2_000);
  }

  private long count() {
    return await(pool.query("SELECT count(*) FROM restaurants").execute())
        .iterator().next().getLong(0);
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("timed out after 60 s", e);
    }
  }
}
