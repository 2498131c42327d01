package io.consolidb.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The demo rows get their city's time zone from the database (migration V10's
 * {@code city_time_zones}), not UTC: every demo city must be listed there.
 */
@ExtendWith(VertxExtension.class)
class DemoTimeZonesTest {

  /** Where each demo city is: a new city in demo/cities.csv must be added here and to city_time_zones. */
  private static final Map<String, String> ZONES = Map.ofEntries(
      Map.entry("New York", "America/New_York"), Map.entry("Brooklyn", "America/New_York"),
      Map.entry("Los Angeles", "America/Los_Angeles"), Map.entry("Miami", "America/New_York"),
      Map.entry("Boca Raton", "America/New_York"), Map.entry("Chicago", "America/Chicago"),
      Map.entry("Baltimore", "America/New_York"), Map.entry("Teaneck", "America/New_York"),
      Map.entry("Lakewood", "America/New_York"), Map.entry("Toronto", "America/Toronto"),
      Map.entry("Montreal", "America/Toronto"), Map.entry("London", "Europe/London"),
      Map.entry("Jerusalem", "Asia/Jerusalem"), Map.entry("Tel Aviv", "Asia/Jerusalem"));

  private TestSchema schema;
  private Pool pool;

  @BeforeEach
  void migrate(Vertx vertx) {
    schema = TestSchema.create("demo_zones");
    schema.migrate();
    pool = schema.pool(vertx, 2);
  }

  @AfterEach
  void drop() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
    schema.close();
  }

  @Test
  @DisplayName("every demo city has its zone, and seeded rows carry their city's zone")
  void seededRows_haveTheirCitysZone() {
    assertThat(DemoDataGenerator.cities()).extracting(City::name).containsExactlyInAnyOrderElementsOf(ZONES.keySet());

    await(DemoDataSeeder.seed(pool, 2_000, 5L));

    Map<String, String> seeded = new HashMap<>();
    for (Row row : await(pool.query("SELECT DISTINCT city, time_zone FROM restaurants").execute())) {
      assertThat(seeded.put(row.getString("city"), row.getString("time_zone"))).as("one zone per city").isNull();
    }
    assertThat(seeded).isEqualTo(ZONES);
  }

  @Test
  @DisplayName("a city the directory does not know gets UTC")
  void unknownCity_utc() {
    Row row = await(pool.preparedQuery("SELECT restaurant_city_time_zone($1) AS known, restaurant_city_time_zone($2) AS unknown")
        .execute(Tuple.of("  tel AVIV ", "Springfield"))).iterator().next();
    assertThat(row.getString("known")).isEqualTo("Asia/Jerusalem");
    assertThat(row.getString("unknown")).isEqualTo("UTC");
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out after 60 s", e);
    }
  }
}
