package io.consolidb.restaurant.impl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.consolidb.demo.DemoDataSeeder;
import io.consolidb.testsupport.TestSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The statements of {@link RestaurantSql} do what their Javadoc says, through Vert.x. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestaurantSqlTest {

  private static final int ROWS = 5_000;

  private Vertx vertx;
  private TestSchema schema;
  private Pool pool;

  @BeforeAll
  void seed() {
    vertx = Vertx.vertx();
    schema = TestSchema.create("queries");
    schema.migrate();
    pool = schema.pool(vertx, 4);
    await(DemoDataSeeder.seed(pool, ROWS, 99L));
  }

  @AfterAll
  void drop() throws Exception {
    pool.close().await(10, TimeUnit.SECONDS);
    vertx.close().await(10, TimeUnit.SECONDS);
    schema.close();
  }

  @Test
  @DisplayName("NEAR returns the nearest rows inside the radius, nearest first, with distance_km")
  void near_nearestFirstWithinRadius() {
    RowSet<Row> rows = run(RestaurantSql.NEAR, Tuple.of(40.7128, -74.0060, 5_000.0, 25));

    List<String> expectedColumns = new ArrayList<>(RestaurantSql.COLUMN_NAMES);
    expectedColumns.add("distance_km");
    assertThat(rows.columnsNames()).isEqualTo(expectedColumns);
    assertThat(rows.size()).isEqualTo(25);
    List<Double> distances = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    for (Row row : rows) {
      distances.add(row.getDouble("distance_km"));
      ids.add(row.getLong("id"));
    }
    assertThat(distances).isSorted().allMatch(d -> d <= 5.0);

    // the same 25 a full computation over the table finds
    List<Long> bruteForce = new ArrayList<>();
    run("SELECT id FROM restaurants ORDER BY earth_distance(ll_to_earth(40.7128, -74.0060),"
        + " ll_to_earth(latitude, longitude)) LIMIT 25", Tuple.tuple())
        .forEach(r -> bruteForce.add(r.getLong(0)));
    assertThat(ids).containsExactlyInAnyOrderElementsOf(bruteForce);
  }

  @Test
  void near_noRestaurantInRadius_empty() {
    // the middle of the Atlantic
    assertThat(run(RestaurantSql.NEAR, Tuple.of(35.0, -40.0, 50_000.0, 10)).size()).isZero();
  }

  @Test
  void near_fewerThanLimit_returnsOnlyThoseInside() {
    RowSet<Row> rows = run(RestaurantSql.NEAR, Tuple.of(40.7128, -74.0060, 300.0, 1_000));
    long inside = run("SELECT count(*) FROM restaurants WHERE earth_distance("
        + "ll_to_earth(40.7128, -74.0060), ll_to_earth(latitude, longitude)) <= 300", Tuple.tuple())
        .iterator().next().getLong(0);
    assertThat(rows.size()).isEqualTo(inside).isLessThan(1_000);
  }

  @Test
  @DisplayName("SEARCH matches words of name, city or address, stemmed, best rank first")
  void search_rankedMatches() {
    RowSet<Row> rows = run(RestaurantSql.SEARCH, Tuple.of("bagel", 50, 0));

    assertThat(rows.size()).isEqualTo(50);
    // rank orders the rows but is not a column of a restaurant
    assertThat(rows.columnsNames()).startsWith("id", "name").doesNotContain("rank");
    List<Float> ranks = new ArrayList<>();
    for (Row row : rows) {
      // "bagel" finds "Bagels": the english configuration stems both
      assertThat(row.getString("name")).containsIgnoringCase("bagel");
      ranks.add(run("SELECT ts_rank(search_document, websearch_to_tsquery('english', 'bagel')) AS rank"
          + " FROM restaurants WHERE id = $1", Tuple.of(row.getLong("id"))).iterator().next().getFloat("rank"));
    }
    assertThat(ranks).isSortedAccordingTo((a, b) -> Float.compare(b, a));
  }

  @Test
  void search_webSyntax_phraseAndExclusion() {
    RowSet<Row> rows = run(RestaurantSql.SEARCH, Tuple.of("\"king david\" -grill", 500, 0));
    assertThat(rows.size()).isPositive();
    for (Row row : rows) {
      assertThat(row.getString("name")).contains("King David").doesNotContain("Grill");
    }
  }

  @Test
  void search_pages_doNotOverlap() {
    List<Long> first = ids(run(RestaurantSql.SEARCH, Tuple.of("pizza", 10, 0)));
    List<Long> second = ids(run(RestaurantSql.SEARCH, Tuple.of("pizza", 10, 10)));
    assertThat(first).hasSize(10).doesNotContainAnyElementsOf(second);
    assertThat(second).hasSize(10);
  }

  @Test
  void search_onlyStopWords_matchesNothing() {
    assertThat(run(RestaurantSql.SEARCH, Tuple.of("the and of", 10, 0)).size()).isZero();
  }

  @Test
  @DisplayName("BY_CITY matches the city whatever its case, ordered by name then id, in pages")
  void byCity_caseInsensitiveOrderedPages() {
    RowSet<Row> page1 = run(RestaurantSql.BY_CITY, Tuple.of("bROOKLYN", 30, 0));
    RowSet<Row> page2 = run(RestaurantSql.BY_CITY, Tuple.of("Brooklyn", 30, 30));

    assertThat(page1.columnsNames()).isEqualTo(RestaurantSql.COLUMN_NAMES);
    List<String> names = new ArrayList<>();
    for (RowSet<Row> page : List.of(page1, page2)) {
      for (Row row : page) {
        assertThat(row.getString("city")).isEqualTo("Brooklyn");
        names.add(row.getString("name"));
      }
    }
    assertThat(names).hasSize(60).isSorted();
    assertThat(ids(page1)).doesNotContainAnyElementsOf(ids(page2));
  }

  @Test
  void byId_existingAndMissing() {
    Row row = run(RestaurantSql.BY_ID, Tuple.of(1L)).iterator().next();
    assertThat(row.getLong("id")).isEqualTo(1L);
    assertThat(row.getString("name")).isNotBlank();
    assertThat(run(RestaurantSql.BY_ID, Tuple.of(Long.MAX_VALUE)).size()).isZero();
  }

  @Test
  @DisplayName("INSERT returns the new row with defaults; UPDATE patches; DELETE removes it")
  void insertUpdateDelete_roundTrip() {
    JsonObject hours = new JsonObject().put("sun", "10:00-22:00").putNull("sat");
    Row created = run(RestaurantSql.INSERT, insertParams("Round Trip Deli", hours))
        .iterator().next();
    long id = created.getLong("id");
    assertThat(created.getString("status")).isEqualTo("open");
    assertThat(created.getJsonObject("hours")).isEqualTo(hours);
    assertThat(created.getShort("price_range")).isEqualTo((short) 2);
    assertThat(created.getNumeric("rating").doubleValue()).isEqualTo(4.2); // rounded to 0.1
    assertThat(created.getString("website")).isEqualTo("https://deli.example");
    assertThat(created.getOffsetDateTime("created_at")).isNotNull();

    JsonObject patch = new JsonObject().put("rating", 4.5).putNull("website")
        .put("status", "temporarily_closed").put("unknown_key", "ignored");
    Row updated = run(RestaurantSql.UPDATE, Tuple.of(id, patch)).iterator().next();
    assertThat(updated.getNumeric("rating").doubleValue()).isEqualTo(4.5);
    assertThat(updated.getString("website")).isNull();
    assertThat(updated.getString("status")).isEqualTo("temporarily_closed");
    assertThat(updated.getString("name")).isEqualTo("Round Trip Deli");
    assertThat(updated.getJsonObject("hours")).isEqualTo(hours);
    assertThat(updated.getOffsetDateTime("updated_at"))
        .isAfter(created.getOffsetDateTime("updated_at"));
    assertThat(updated.getOffsetDateTime("created_at"))
        .isEqualTo(created.getOffsetDateTime("created_at"));

    Row clearedHours = run(RestaurantSql.UPDATE,
        Tuple.of(id, new JsonObject().putNull("hours"))).iterator().next();
    assertThat(clearedHours.getValue("hours")).isNull();

    Row deleted = run(RestaurantSql.DELETE, Tuple.of(id)).iterator().next();
    assertThat(deleted.getLong("id")).isEqualTo(id);
    assertThat(run(RestaurantSql.BY_ID, Tuple.of(id)).size()).isZero();
    assertThat(run(RestaurantSql.DELETE, Tuple.of(id)).size()).isZero();
  }

  @Test
  void update_missingId_noRow() {
    assertThat(run(RestaurantSql.UPDATE,
        Tuple.of(Long.MAX_VALUE, new JsonObject().put("name", "x"))).size()).isZero();
  }

  @Test
  void update_nullForNotNullColumn_23502() {
    assertThat(sqlState(RestaurantSql.UPDATE, Tuple.of(1L, new JsonObject().putNull("name"))))
        .isEqualTo("23502");
  }

  @Test
  void insert_unknownCategory_23514() {
    List<Object> params = insertValues("Bad Category", null);
    params.set(7, "vegan");
    assertThat(sqlState(RestaurantSql.INSERT, Tuple.wrap(params))).isEqualTo("23514");
  }

  @Test
  void insert_latitudeOutOfRange_23514() {
    List<Object> params = insertValues("Bad Latitude", null);
    params.set(13, 91.0);
    assertThat(sqlState(RestaurantSql.INSERT, Tuple.wrap(params))).isEqualTo("23514");
  }

  @Test
  void insert_noName_23502() {
    Tuple params = insertParams(null, null);
    assertThat(sqlState(RestaurantSql.INSERT, params)).isEqualTo("23502");
  }

  @Test
  void insertParameters_matchInsertPlaceholders() {
    assertThat(RestaurantSql.INSERT_PARAMETERS).hasSize(16);
    assertThat(RestaurantSql.INSERT).contains("$16").doesNotContain("$17");
    assertThat(RestaurantSql.COLUMN_NAMES).hasSize(19).doesNotContain("search_document", "weekly_hours");
  }

  private static Tuple insertParams(String name, JsonObject hours) {
    return Tuple.wrap(insertValues(name, hours));
  }

  /** Values for {@link RestaurantSql#INSERT_PARAMETERS}, in order; a mutable list. */
  private static List<Object> insertValues(String name, JsonObject hours) {
    return new ArrayList<>(Arrays.asList(name, "12 Essex St", "New York", "NY", "10002",
        "(212) 555-0100", "https://deli.example", "meat", "OU", hours, (short) 2, 4.23, null,
        40.7150, -73.9880, null));
  }

  private String sqlState(String sql, Tuple params) {
    CompletionException e = assertThrows(CompletionException.class, () -> run(sql, params));
    assertThat(e.getCause()).isInstanceOf(PgException.class);
    return ((PgException) e.getCause()).getSqlState();
  }

  private RowSet<Row> run(String sql, Tuple params) {
    return await(pool.preparedQuery(sql).execute(params));
  }

  private static List<Long> ids(RowSet<Row> rows) {
    List<Long> ids = new ArrayList<>();
    rows.forEach(r -> ids.add(r.getLong("id")));
    return ids;
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out", e);
    } catch (RuntimeException e) {
      throw e instanceof CompletionException ? e : new CompletionException(e);
    }
  }
}
