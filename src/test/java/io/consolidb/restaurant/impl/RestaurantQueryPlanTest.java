package io.consolidb.restaurant.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.demo.DemoDataSeeder;
import io.consolidb.testsupport.TestSchema;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every statement in {@link RestaurantSql}, planned against 100k generated restaurants: none
 * may read the table sequentially, and each must use the index it was written for. Checked both
 * as a custom plan (parameters known, as for the first executions of a prepared statement) and
 * as a generic plan (what a cached prepared statement switches to after five executions).
 *
 * <p>The plans of the three read paths are printed and saved to {@code target/explain/}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestaurantQueryPlanTest {

  static final int ROWS = 100_000;
  private static final long SEED = 7L;
  private static final Path EXPLAIN_DIR = Path.of("target", "explain");

  private Vertx vertx;
  private TestSchema schema;
  private Pool pool;

  /**
   * A statement, realistic parameters, the same as SQL literals, the index it must use, and
   * whether that index must also deliver the ORDER BY (no Sort node above it).
   */
  record Case(String name, String sql, Tuple params, String literals, String index,
      boolean indexOrder) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> cases() {
    JsonObject patch = new JsonObject().put("rating", 4.5).put("website", null);
    return Stream.of(
        new Case("near", RestaurantSql.NEAR, Tuple.of(40.7128, -74.0060, 10_000.0, 20),
            "40.7128, -74.0060, 10000, 20", "restaurants_location_idx", true),
        new Case("search", RestaurantSql.SEARCH, Tuple.of("pizza", 20, 0),
            "'pizza', 20, 0", "restaurants_search_idx", false),
        new Case("by_city", RestaurantSql.BY_CITY, Tuple.of("chicago", 20, 0),
            "'chicago', 20, 0", "restaurants_city_name_idx", true),
        new Case("by_id", RestaurantSql.BY_ID, Tuple.of(12_345L),
            "12345", "restaurants_pkey", false),
        new Case("update", RestaurantSql.UPDATE, Tuple.of(12_345L, patch),
            "12345, '" + patch.encode() + "'", "restaurants_pkey", false),
        new Case("delete", RestaurantSql.DELETE, Tuple.of(12_345L),
            "12345", "restaurants_pkey", false),
        new Case("insert", RestaurantSql.INSERT,
            Tuple.wrap(new Object[] {"Plan Test Grill", "1 Main St", "Chicago", "IL", "60645",
                null, null, "meat", "cRc", null, (short) 2, 4.0, null, 41.9, -87.7, null}),
            "'Plan Test Grill', '1 Main St', 'Chicago', 'IL', '60645', NULL, NULL, 'meat',"
                + " 'cRc', NULL, 2, 4.0, NULL, 41.9, -87.7, NULL", null, false),
        filtered("near_filtered", JsonArray.of(40.7128, -74.0060, 10_000.0, 20), TWO_FILTERS, true,
            "restaurants_location_idx", true),
        filtered("near_all_filters", JsonArray.of(40.7128, -74.0060, 10_000.0, 20), ALL_FILTERS, true,
            "restaurants_location_idx", true),
        // ordered by rating: every match inside the radius is sorted, the radius bounds them
        filtered("near_by_rating", JsonArray.of(40.7128, -74.0060, 10_000.0, 20),
            TWO_FILTERS.copy().put("sort", "rating"), true, "restaurants_location_idx", false),
        filtered("by_city_filtered", JsonArray.of("chicago", 21, 0), TWO_FILTERS, false,
            "restaurants_city_name_idx", true),
        filtered("search_filtered", JsonArray.of("pizza", 20, 0), TWO_FILTERS, false,
            "restaurants_search_idx", false),
        // keyset pages: the position is an index condition, the index delivers the order
        new Case("by_city_after", RestaurantSql.BY_CITY_AFTER, Tuple.of("chicago", "M", 0L, 21),
            "'chicago', 'M', 0, 21", "restaurants_city_name_idx", true),
        filtered("by_city_after_filtered", JsonArray.of("chicago", "M", 0L, 21), TWO_FILTERS, false,
            "restaurants_city_name_idx", true))
        .map(Arguments::of);
  }

  /** The two filters of the radius benchmark: about a quarter of the rows match both. */
  static final JsonObject TWO_FILTERS = new JsonObject().put("kosher_category", "meat").put("min_rating", 4);
  /** Monday 18:30 in New York (23:30 UTC): most demo restaurants are open (20 of the 22 rows the radius read reads). */
  static final JsonObject OPEN_AT = new JsonObject().put("open_at", "2026-12-07T23:30:00Z");

  /**
   * The reads filtered by open_at. The time check is no index condition: it runs on the rows the
   * access path and the other filters have already bounded, so each read stays on its index and,
   * nearest first or by city, in its order; it only reads further along it when fewer rows are open.
   */
  static Stream<Arguments> openCases() {
    return Stream.of(
        filtered("near_open_at", JsonArray.of(40.7128, -74.0060, 10_000.0, 20), OPEN_AT, true,
            "restaurants_location_idx", true),
        filtered("near_filtered_open_at", JsonArray.of(40.7128, -74.0060, 10_000.0, 20),
            TWO_FILTERS.copy().mergeIn(OPEN_AT), true, "restaurants_location_idx", true),
        filtered("by_city_open_at", JsonArray.of("chicago", 21, 0), OPEN_AT, false,
            "restaurants_city_name_idx", true),
        filtered("search_open_at", JsonArray.of("pizza", 20, 0), TWO_FILTERS.copy().mergeIn(OPEN_AT), false,
            "restaurants_search_idx", false))
        .map(Arguments::of);
  }
  static final JsonObject ALL_FILTERS = new JsonObject()
      .put("kosher_category", JsonArray.of("meat", "dairy")).put("certifying_agency", JsonArray.of("OU", "OK"))
      .put("min_price", 1).put("max_price", 3).put("min_rating", 3.5).put("status", "open");

  private static final Pattern INSTANT = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T.*Z");

  /** The read named by {@code name} (near, by_city, search) with {@code filters} after its own parameters. */
  private static Case filtered(String name, JsonArray params, JsonObject filters, boolean sortable,
      String index, boolean indexOrder) {
    RestaurantFilter filter = RestaurantFilter.parse(filters, sortable);
    String conditions = filter.conditions(params);
    String sql = name.startsWith("near") ? RestaurantSql.near(conditions, filter.byRating())
        : name.startsWith("by_city_after") ? RestaurantSql.byCityAfter(conditions)
        : name.startsWith("by_city") ? RestaurantSql.byCity(conditions) : RestaurantSql.search(conditions);
    List<Object> values = new ArrayList<>();
    List<String> literals = new ArrayList<>();
    for (Object value : params) {
      if (value instanceof JsonArray array) {
        values.add(array.stream().map(String::valueOf).toArray(String[]::new));
        literals.add("ARRAY[" + String.join(", ", array.stream().map(v -> "'" + v + "'").toList()) + "]");
      } else if (value instanceof String text && INSTANT.matcher(text).matches()) {
        // the query layer binds ISO text as the timestamptz the statement asks for; a raw pool does not
        values.add(OffsetDateTime.parse(text));
        literals.add("'" + text + "'");
      } else {
        values.add(value);
        literals.add(value instanceof String text ? "'" + text + "'" : String.valueOf(value));
      }
    }
    return new Case(name, sql, Tuple.wrap(values), String.join(", ", literals), index, indexOrder);
  }

  @BeforeAll
  // 100k rows with their hours parsed into weekly_hours: over the default minute on a busy machine
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void seed() {
    vertx = Vertx.vertx();
    schema = TestSchema.create("plans");
    schema.migrate();
    pool = schema.pool(vertx, 4);
    long start = System.nanoTime();
    int inserted = await(DemoDataSeeder.seed(pool, ROWS, SEED), 300);
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.printf("seeded %,d restaurants in %,d ms (%,.0f rows/s, ANALYZE included)%n",
        inserted, millis, inserted * 1000.0 / millis);
    assertThat(inserted).isEqualTo(ROWS);
  }

  @AfterAll
  void drop() throws Exception {
    if (pool != null) {
      pool.close().await(10, TimeUnit.SECONDS);
    }
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    if (schema != null) {
      schema.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"cases", "openCases"})
  @DisplayName("the custom plan of each statement uses its index and never scans restaurants")
  void customPlan_usesIndex(Case c) {
    JsonArray plan = await(pool.preparedQuery("EXPLAIN (FORMAT JSON) " + c.sql())
        .execute(c.params()).map(rows -> (JsonArray) rows.iterator().next().getValue(0)));

    assertUsesIndexWithoutSeqScan(c, plan, "custom");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"cases", "openCases"})
  @DisplayName("the generic plan of each statement (a cached prepared statement) uses its index too")
  void genericPlan_usesIndex(Case c) {
    JsonArray plan = await(pool.withConnection(conn -> genericPlan(conn, c.sql(), c.literals())
        .map(text -> new JsonArray(text))));

    assertUsesIndexWithoutSeqScan(c, plan, "generic");
  }

  @Test
  @DisplayName("the plans of the reads filtered by open_at at 100k rows are printed and saved to target/explain")
  void openPlans_printedAndSaved() throws IOException {
    Files.createDirectories(EXPLAIN_DIR);
    for (Arguments c : openCases().toList()) {
      printAndSave((Case) c.get()[0]);
    }
  }

  @Test
  @DisplayName("the plans of the read paths at 100k rows are printed and saved to target/explain")
  void readPlans_printedAndSaved() throws IOException {
    Files.createDirectories(EXPLAIN_DIR);
    List<Case> reads = cases().map(a -> (Case) a.get()[0])
        .filter(c -> List.of("near", "search", "by_city", "near_filtered", "near_all_filters", "near_by_rating",
            "by_city_filtered", "search_filtered", "by_city_after", "by_city_after_filtered").contains(c.name()))
        .toList();
    for (Case c : reads) {
      printAndSave(c);
    }
  }

  /** EXPLAIN ANALYZE of the custom and the generic plan, printed and saved to target/explain. */
  private void printAndSave(Case c) throws IOException {
    String analyzed = await(pool.preparedQuery(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + c.sql()).execute(c.params())
        .map(RestaurantQueryPlanTest::text));
    String generic = await(pool.withConnection(conn -> genericPlanText(conn, c)));
    String report = "-- " + c.name() + " at " + ROWS + " rows; parameters: " + c.literals()
        + "\n-- " + c.sql() + "\n\n" + analyzed
        + "\n-- generic plan (plan_cache_mode = force_generic_plan)\n" + generic;
    System.out.println(report);
    Files.writeString(EXPLAIN_DIR.resolve(c.name() + ".txt"), report);
    assertThat(analyzed).doesNotContain("Seq Scan on restaurants");
  }

  @Test
  @DisplayName("a deep page by cursor reads its page from the index, where the same page by number reads every row before it")
  void deepCityPage_cursorReadsOnlyThePage() throws IOException {
    Row biggest = await(pool.query("SELECT lower(city), count(*) FROM restaurants GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
        .execute()).iterator().next();
    String city = biggest.getString(0);
    int depth = (int) (biggest.getLong(1) * 9 / 10);
    int size = 20;
    Row position = await(pool.preparedQuery("SELECT name, id FROM restaurants WHERE lower(city) = $1"
        + " ORDER BY name, id OFFSET $2 LIMIT 1").execute(Tuple.of(city, depth - 1))).iterator().next();
    String analyze = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ";
    JsonArray byCursor = await(pool.preparedQuery(analyze + RestaurantSql.BY_CITY_AFTER)
        .execute(Tuple.of(city, position.getString(0), position.getLong(1), size + 1))
        .map(rows -> (JsonArray) rows.iterator().next().getValue(0)));
    JsonArray byOffset = await(pool.preparedQuery(analyze + RestaurantSql.BY_CITY)
        .execute(Tuple.of(city, size + 1, depth))
        .map(rows -> (JsonArray) rows.iterator().next().getValue(0)));
    JsonObject cursorTop = byCursor.getJsonObject(0);
    JsonObject offsetTop = byOffset.getJsonObject(0);
    String report = String.format("-- %s, a page of %d at depth %,d: by cursor %.3f ms, %d buffers; by OFFSET %.3f ms,"
            + " %d buffers%n-- by cursor:%n%s%n-- by OFFSET:%n%s%n", city, size, depth,
        cursorTop.getDouble("Execution Time"), buffers(cursorTop), offsetTop.getDouble("Execution Time"),
        buffers(offsetTop), byCursor.encodePrettily(), byOffset.encodePrettily());
    System.out.println(report);
    Files.createDirectories(EXPLAIN_DIR);
    Files.writeString(EXPLAIN_DIR.resolve("by_city_deep_page.txt"), report);

    List<JsonObject> cursorNodes = new ArrayList<>();
    collect(cursorTop.getJsonObject("Plan"), cursorNodes);
    JsonObject scan = cursorNodes.stream().filter(n -> "restaurants_city_name_idx".equals(n.getString("Index Name")))
        .findFirst().orElseThrow(() -> new AssertionError("no scan of restaurants_city_name_idx:\n" + report));
    assertThat(scan.getString("Index Cond")).as(report).contains("ROW(name, id) >");
    assertThat(scan.getLong("Actual Rows")).as("rows the cursor's index scan read%n%s", report).isLessThanOrEqualTo(size + 1);
    assertThat(cursorNodes).as(report).noneMatch(n -> n.getString("Node Type").contains("Sort"));
    List<JsonObject> offsetNodes = new ArrayList<>();
    collect(offsetTop.getJsonObject("Plan"), offsetNodes);
    assertThat(offsetNodes).as("the OFFSET page reads every row before it%n%s", report)
        .anyMatch(n -> n.getLong("Actual Rows", 0L) >= depth);
  }

  /** Shared buffers a plan touched (hit or read), its own and its children's. */
  private static long buffers(JsonObject top) {
    JsonObject plan = top.getJsonObject("Plan");
    return plan.getLong("Shared Hit Blocks", 0L) + plan.getLong("Shared Read Blocks", 0L);
  }

  @Test
  @DisplayName("the radius around New York holds enough rows for the plan to mean something")
  void nearNewYork_isDense() {
    long within = await(pool.query("SELECT count(*) FROM restaurants WHERE earth_distance("
        + "restaurant_earth(40.7128, -74.0060), restaurant_earth(latitude, longitude)) <= 10000")
        .execute()).iterator().next().getLong(0);
    System.out.printf("%,d of %,d restaurants lie within 10 km of 40.7128,-74.0060%n",
        within, ROWS);
    assertThat(within).isGreaterThan(1_000);
  }

  private static void assertUsesIndexWithoutSeqScan(Case c, JsonArray plan, String kind) {
    List<JsonObject> nodes = new ArrayList<>();
    collect(plan.getJsonObject(0).getJsonObject("Plan"), nodes);
    assertThat(nodes)
        .as("%s plan of %s has no sequential scan of restaurants:%n%s", kind, c.name(),
            plan.encodePrettily())
        .noneMatch(n -> "Seq Scan".equals(n.getString("Node Type"))
            && "restaurants".equals(n.getString("Relation Name")));
    if (c.index() != null) {
      assertThat(nodes)
          .as("%s plan of %s uses %s:%n%s", kind, c.name(), c.index(), plan.encodePrettily())
          .anyMatch(n -> c.index().equals(n.getString("Index Name")));
    }
    if (c.indexOrder()) {
      assertThat(nodes)
          .as("%s plan of %s reads rows in ORDER BY order from the index, no sort:%n%s", kind,
              c.name(), plan.encodePrettily())
          .noneMatch(n -> n.getString("Node Type").contains("Sort"));
    }
  }

  private static void collect(JsonObject node, List<JsonObject> into) {
    into.add(node);
    JsonArray children = node.getJsonArray("Plans");
    if (children != null) {
      for (int i = 0; i < children.size(); i++) {
        collect(children.getJsonObject(i), into);
      }
    }
  }

  /** EXPLAIN (FORMAT JSON) of the generic plan, as JSON text. */
  private static Future<String> genericPlan(SqlConnection conn, String sql, String literals) {
    return explainGeneric(conn, sql, literals, "FORMAT JSON")
        .map(rows -> String.valueOf(rows.get(0)));
  }

  private static Future<String> genericPlanText(SqlConnection conn, Case c) {
    return explainGeneric(conn, c.sql(), c.literals(), "ANALYZE, BUFFERS, FORMAT TEXT")
        .map(rows -> String.join("\n", rows.stream().map(String::valueOf).toList()) + "\n");
  }

  private static Future<List<Object>> explainGeneric(SqlConnection conn, String sql,
      String literals, String options) {
    return conn.query("SET plan_cache_mode = force_generic_plan").execute()
        .compose(v -> conn.query("PREPARE plan_test AS " + sql).execute())
        .compose(v -> conn.query("EXPLAIN (" + options + ") EXECUTE plan_test(" + literals + ")")
            .execute())
        .map(rows -> {
          List<Object> values = new ArrayList<>();
          for (Row row : rows) {
            values.add(row.getValue(0));
          }
          return values;
        })
        .eventually(() -> conn.query("DEALLOCATE plan_test").execute()
            .compose(v -> conn.query("RESET plan_cache_mode").execute()));
  }

  private static <T> T await(Future<T> future) {
    return await(future, 60);
  }

  private static <T> T await(Future<T> future, int seconds) {
    try {
      return future.await(seconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("timed out after " + seconds + " s", e);
    }
  }

  /** The rows of a text EXPLAIN as psql prints them. */
  private static String text(RowSet<Row> rows) {
    StringBuilder sb = new StringBuilder();
    for (Row row : rows) {
      sb.append(row.getString(0)).append('\n');
    }
    return sb.toString();
  }
}
