package io.consolidb.analytics.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestSchema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every report in {@link AnalyticsSql}, planned over a million events spread across six
 * monthly partitions (2025-01 to 2025-06), for a one-week window in March: the plan may touch
 * only the March partition (pruning) and must read it through an index, never sequentially.
 * Checked as a custom plan (the first executions of a prepared statement) and as a generic plan
 * (what a cached prepared statement switches to: pruning then happens at executor start and
 * EXPLAIN reports "Subplans Removed"). The plans are saved to {@code target/explain/analytics-*.txt}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AnalyticsQueryPlanTest {

  static final int EVENTS = 1_000_000;
  private static final Path EXPLAIN_DIR = Path.of("target", "explain");
  private static final Pattern PARTITION = Pattern.compile("analytics_events_(\\d{4}_\\d{2}|default)");
  private static final String FROM = "'2025-03-10T00:00:00Z'";
  private static final String TO = "'2025-03-17T00:00:00Z'";
  /** A user with events in the window (user = 1 + (g * 7919) % 50000 of the load below). */
  private static final String USER = "1234";

  private TestSchema schema;

  record Case(String name, String sql, String literals, String index) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Case> cases() {
    return Stream.of(
        new Case("top-restaurants", AnalyticsSql.TOP_RESTAURANTS, FROM + ", " + TO + ", 10",
            "analytics_events_2025_03_type_occurred_at_restaurant_id_idx"),
        new Case("daily-active-users", AnalyticsSql.DAILY_ACTIVE_USERS,
            FROM + ", " + TO + ", '2025-03-10', '2025-03-16'", "analytics_events_2025_03_occurred_at_type_user_id_idx"),
        new Case("event-counts", AnalyticsSql.EVENT_COUNTS, FROM + ", " + TO,
            "analytics_events_2025_03_occurred_at_type_user_id_idx"),
        new Case("event-counts-of-type", AnalyticsSql.EVENT_COUNTS_OF_TYPE, FROM + ", " + TO + ", 'search'",
            "analytics_events_2025_03_type_occurred_at_restaurant_id_idx"),
        new Case("restaurant-daily-views", AnalyticsSql.RESTAURANT_DAILY_VIEWS,
            "1234, " + FROM + ", " + TO + ", '2025-03-10', '2025-03-16'",
            "analytics_events_2025_03_restaurant_id_occurred_at_idx"),
        new Case("user-activity", AnalyticsSql.USER_ACTIVITY, USER + ", " + FROM + ", " + TO + ", 10",
            // PostgreSQL truncates the generated name to 63 bytes
            "analytics_events_2025_03_user_id_occurred_at_type_restauran_idx"));
  }

  @BeforeAll
  void load() throws SQLException {
    schema = TestSchema.create("analytics_plan");
    schema.migrate();
    long started = System.nanoTime();
    try (Connection c = schema.jdbcConnection(); Statement s = c.createStatement()) {
      // 1M events in time order over 181 days (2025-01-01 .. 2025-06-30), one every ~15.6 s:
      // half views, users 1..50000 (one event in ten anonymous), restaurants 1..10000.
      s.execute("INSERT INTO analytics_events (type, user_id, restaurant_id, occurred_at, properties)"
          + " SELECT (ARRAY['view','view','view','search','click','favorite'])[1 + (g % 6)::int],"
          + " CASE WHEN g % 10 = 0 THEN NULL ELSE 1 + (g * 7919) % 50000 END,"
          + " CASE WHEN g % 6 = 3 THEN NULL ELSE 1 + (g * 104729) % 10000 END,"
          + " timestamptz '2025-01-01 00:00:00+00' + g * interval '15.6384 seconds',"
          + " CASE WHEN g % 6 = 3 THEN jsonb_build_object('q', 'term ' || g % 100) ELSE '{}'::jsonb END"
          + " FROM generate_series(0::bigint, " + (EVENTS - 1) + ") AS g");
      // what autovacuum does on its own after a load: statistics and the visibility map
      s.execute("VACUUM ANALYZE analytics_events");
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM analytics_events")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(EVENTS);
      }
    }
    System.out.printf("AnalyticsQueryPlanTest: %d events loaded and vacuumed in %d ms%n", EVENTS,
        (System.nanoTime() - started) / 1_000_000);
  }

  @AfterAll
  void drop() throws SQLException {
    if (schema != null) {
      schema.close();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  @DisplayName("a one-week report reads only its month's partition, through an index")
  void report_prunesAndUsesIndex(Case c) throws Exception {
    try (Connection conn = schema.jdbcConnection(); Statement s = conn.createStatement()) {
      s.execute("PREPARE report AS " + c.sql);
      String custom = explain(s, "SET plan_cache_mode = force_custom_plan", c.literals);
      String generic = explain(s, "SET plan_cache_mode = force_generic_plan", c.literals);
      s.execute("DEALLOCATE report");
      Files.createDirectories(EXPLAIN_DIR);
      String report = "-- " + c.name + " over " + EVENTS + " events, window " + FROM + " .. " + TO + "\n"
          + c.sql + "\n\n-- custom plan (EXPLAIN ANALYZE)\n" + custom + "\n-- generic plan (EXPLAIN)\n" + generic;
      Files.writeString(EXPLAIN_DIR.resolve("analytics-" + c.name + ".txt"), report);
      System.out.println(report);

      for (String plan : List.of(custom, generic)) {
        assertThat(plan).as(plan).doesNotContain("Seq Scan on analytics_events");
        assertThat(plan).as(plan).contains(c.index);
        // only March is read (custom: pruned at plan time; generic: at executor start)
        assertThat(partitionsRead(plan)).as(plan).containsExactly("2025_03");
      }
      assertThat(generic).as(generic).contains("Subplans Removed");
    }
  }

  private static String explain(Statement s, String mode, String literals) throws SQLException {
    s.execute(mode);
    boolean analyze = mode.contains("custom");
    StringBuilder plan = new StringBuilder();
    try (ResultSet rs = s.executeQuery("EXPLAIN (" + (analyze ? "ANALYZE, BUFFERS, " : "") + "COSTS)"
        + " EXECUTE report(" + literals + ")")) {
      while (rs.next()) {
        plan.append(rs.getString(1)).append('\n');
      }
    }
    return plan.toString();
  }

  /** Partitions a plan reads: named on a scan line (Index/Index Only/Bitmap Heap/Seq Scan … on …). */
  private static TreeSet<String> partitionsRead(String plan) {
    TreeSet<String> partitions = new TreeSet<>();
    for (String line : plan.split("\n")) {
      if (!line.contains(" on ")) {
        continue;
      }
      Matcher m = PARTITION.matcher(line.substring(line.indexOf(" on ")));
      if (m.find()) {
        partitions.add(m.group(1));
      }
    }
    return partitions;
  }

  static List<String> names() {
    List<String> names = new ArrayList<>();
    cases().forEach(c -> names.add(c.name));
    return names;
  }
}
