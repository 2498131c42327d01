package io.consolidb.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.consolidb.schema.DemoDataGenerator.City;
import io.consolidb.schema.DemoDataGenerator.Restaurant;
import io.consolidb.testsupport.TestSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DemoDataGeneratorTest {

  private static final long SEED = 42L;
  private static final Map<String, City> CITIES = DemoDataGenerator.cities().stream()
      .collect(Collectors.toMap(City::name, Function.identity()));

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
  void generate_sameSeed_sameRows() {
    assertThat(DemoDataGenerator.generate(2_000, SEED))
        .isEqualTo(DemoDataGenerator.generate(2_000, SEED));
  }

  @Test
  void generate_otherSeed_otherRows() {
    assertThat(DemoDataGenerator.generate(100, SEED))
        .isNotEqualTo(DemoDataGenerator.generate(100, SEED + 1));
  }

  @Test
  void generate_prefixOfLongerRun_identical() {
    // row i depends on the seed and i only: a 10k seed starts with the 1k seed
    assertThat(DemoDataGenerator.generate(10_000, SEED).subList(0, 1_000))
        .isEqualTo(DemoDataGenerator.generate(1_000, SEED));
  }

  @Test
  @DisplayName("generated rows stay near their city centre and satisfy every constraint")
  void generate_valuesInRange() {
    List<Restaurant> rows = DemoDataGenerator.generate(20_000, SEED);

    for (Restaurant r : rows) {
      City city = CITIES.get(r.city());
      assertThat(city).as("city of %s", r).isNotNull();
      assertThat(r.state()).isEqualTo(city.state());
      assertThat(r.latitude()).isBetween(-90.0, 90.0);
      assertThat(r.longitude()).isBetween(-180.0, 180.0);
      assertThat(distanceKm(city.latitude(), city.longitude(), r.latitude(), r.longitude()))
          .as("distance of %s from %s", r.name(), city.name())
          .isLessThanOrEqualTo(city.maxDistanceKm() + 0.01);
      assertThat(r.name()).isNotBlank();
      assertThat(r.kosherCategory()).isIn("meat", "dairy", "pareve", "fish");
      assertThat(r.status()).isIn("open", "closed", "temporarily_closed");
      assertThat(r.priceRange()).isBetween((short) 1, (short) 4);
      if (r.rating() != null) {
        assertThat(r.rating()).isBetween(0.0, 5.0);
        assertThat(r.rating() * 10).isCloseTo(Math.rint(r.rating() * 10), within(1e-9));
      }
      assertThat(r.hoursJson()).startsWith("{\"sun\":").endsWith("}");
    }
    // the mix looks like a directory: mostly open, every city and category present
    assertThat(rows.stream().filter(r -> r.status().equals("open")).count())
        .isBetween(17_500L, 19_300L);
    assertThat(rows.stream().map(Restaurant::city).distinct().count()).isEqualTo(CITIES.size());
    assertThat(rows.stream().map(Restaurant::kosherCategory).distinct().count()).isEqualTo(4);
    // about the number of people who share a name in a real directory, not all of them
    assertThat(rows.stream().map(Restaurant::name).distinct().count()).isGreaterThan(1_000);
  }

  @Test
  void generate_negativeCount_rejected() {
    assertThrows(IllegalArgumentException.class, () -> DemoDataGenerator.generate(-1, SEED));
  }

  @Test
  @DisplayName("seeding inserts the requested count, in chunks, with the generated values")
  void seed_insertsCount() {
    int count = DemoDataGenerator.CHUNK_SIZE * 2 + 123; // two full chunks and a partial one

    int inserted = await(DemoDataGenerator.seed(pool, count, SEED));

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
    await(DemoDataGenerator.seed(pool, 3_000, SEED));
    Row first = await(pool.query(ROWS_HASH_SQL).execute()).iterator().next();

    await(pool.query("TRUNCATE restaurants RESTART IDENTITY CASCADE").execute());
    await(DemoDataGenerator.seed(pool, 3_000, SEED));
    Row second = await(pool.query(ROWS_HASH_SQL).execute()).iterator().next();

    await(pool.query("TRUNCATE restaurants RESTART IDENTITY CASCADE").execute());
    await(DemoDataGenerator.seed(pool, 3_000, SEED + 1));
    Row other = await(pool.query(ROWS_HASH_SQL).execute()).iterator().next();

    assertThat(first.getLong("n")).isEqualTo(3_000);
    assertThat(second.getString("hash")).isEqualTo(first.getString("hash"));
    assertThat(other.getString("hash")).isNotEqualTo(first.getString("hash"));
  }

  @Test
  void seed_zero_insertsNothing() {
    assertThat(await(DemoDataGenerator.seed(pool, 0, SEED))).isZero();
    assertThat(count()).isZero();
  }

  @Test
  @DisplayName("seedIfEmpty seeds an empty table once and leaves a filled one alone")
  void seedIfEmpty_idempotent() {
    assertThat(await(DemoDataGenerator.seedIfEmpty(pool, 1_000, SEED))).isTrue();
    assertThat(await(DemoDataGenerator.seedIfEmpty(pool, 1_000, SEED))).isFalse();
    assertThat(await(DemoDataGenerator.seedIfEmpty(pool, 5_000, SEED + 1))).isFalse();
    assertThat(count()).isEqualTo(1_000);
  }

  @Test
  @DisplayName("nodes calling seedIfEmpty at once seed the table exactly once")
  void seedIfEmpty_concurrent_seedsOnce() {
    List<Future<Boolean>> calls = List.of(
        DemoDataGenerator.seedIfEmpty(pool, 2_000, SEED),
        DemoDataGenerator.seedIfEmpty(pool, 2_000, SEED),
        DemoDataGenerator.seedIfEmpty(pool, 2_000, SEED));

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

  /** Haversine on a 6371 km sphere. */
  private static double distanceKm(double lat1, double lng1, double lat2, double lng2) {
    double dLat = Math.toRadians(lat2 - lat1);
    double dLng = Math.toRadians(lng2 - lng1);
    double a = Math.pow(Math.sin(dLat / 2), 2) + Math.cos(Math.toRadians(lat1))
        * Math.cos(Math.toRadians(lat2)) * Math.pow(Math.sin(dLng / 2), 2);
    return 2 * 6371 * Math.asin(Math.sqrt(a));
  }
}
