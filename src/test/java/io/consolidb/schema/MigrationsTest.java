package io.consolidb.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.consolidb.testsupport.TestSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** What the migrations promise: constraints, cascades, triggers and analytics partitions. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MigrationsTest {

  private TestSchema schema;
  private Connection db;

  @BeforeAll
  void migrate() throws SQLException {
    schema = TestSchema.create("migrations");
    schema.migrate();
    db = schema.jdbcConnection();
  }

  @AfterAll
  void drop() throws Exception {
    db.close();
    schema.close();
  }

  @BeforeEach
  void empty() throws SQLException {
    exec("TRUNCATE restaurants, users, favorites, analytics_events RESTART IDENTITY CASCADE");
  }

  @Test
  void restaurants_checkConstraints_rejectImpossibleValues() {
    assertThat(insertRestaurantState("price_range", "5")).isEqualTo("23514");
    assertThat(insertRestaurantState("price_range", "0")).isEqualTo("23514");
    assertThat(insertRestaurantState("rating", "5.5")).isEqualTo("23514");
    assertThat(insertRestaurantState("rating", "-0.1")).isEqualTo("23514");
    assertThat(insertRestaurantState("status", "'gone'")).isEqualTo("23514");
    assertThat(insertRestaurantState("kosher_category", "'vegan'")).isEqualTo("23514");
    assertThat(insertRestaurantState("hours", "'[1]'")).isEqualTo("23514");
    assertThat(insertRestaurantState("name", "'  '")).isEqualTo("23514");
    assertThat(insertRestaurantState("status", "NULL")).isEqualTo("23502");
    assertThat(insertRestaurantState("rating", "4.5")).isNull();
  }

  @Test
  @DisplayName("a time zone PostgreSQL does not know is refused, whoever writes it; none given is the city's")
  void restaurants_timeZone_checkedAndDerived() throws SQLException {
    assertThat(insertRestaurantState("time_zone", "'Mars/Olympus_Mons'")).isEqualTo("22023");
    assertThat(insertRestaurantState("time_zone", "'Asia/Tokyo'")).isNull();
    exec("INSERT INTO restaurants (name, city, latitude, longitude) VALUES ('z', 'Chicago', 1, 2)");
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT time_zone FROM restaurants WHERE name = 'z'")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString(1)).isEqualTo("America/Chicago");
    }
  }

  @Test
  void restaurants_coordinatesOutOfRange_rejected() {
    assertThat(state("INSERT INTO restaurants (name, city, latitude, longitude)"
        + " VALUES ('a', 'b', 90.5, 0)")).isEqualTo("23514");
    assertThat(state("INSERT INTO restaurants (name, city, latitude, longitude)"
        + " VALUES ('a', 'b', 0, -180.5)")).isEqualTo("23514");
    assertThat(state("INSERT INTO restaurants (name, city, latitude)"
        + " VALUES ('a', 'b', 0)")).isEqualTo("23502");
  }

  @Test
  @DisplayName("the location index works with a search_path that lacks the extension schema")
  void locationIndex_independentOfSearchPath() throws SQLException {
    // pg_restore and maintenance by other roles run with a minimal search_path; an index on
    // ll_to_earth(...) fails there with "function earth() does not exist"
    exec("INSERT INTO restaurants (name, city, latitude, longitude) VALUES ('a', 'b', 1, 2)");
    try (Statement s = db.createStatement()) {
      s.execute("SET search_path = pg_catalog");
      s.execute("INSERT INTO \"" + schema.name + "\".restaurants (name, city, latitude, longitude)"
          + " VALUES ('c', 'd', 3, 4)");
      s.execute("REINDEX TABLE \"" + schema.name + "\".restaurants");
    } finally {
      exec("SET search_path = \"" + schema.name + "\", public");
    }
    assertThat(queryLong("SELECT count(*) FROM restaurants")).isEqualTo(2);
  }

  @Test
  void restaurants_update_setsUpdatedAt() throws SQLException {
    exec("INSERT INTO restaurants (name, city, latitude, longitude, created_at, updated_at)"
        + " VALUES ('a', 'b', 1, 2, now() - interval '1 day', now() - interval '1 day')");
    exec("UPDATE restaurants SET name = 'renamed'");
    assertThat(queryLong("SELECT count(*) FROM restaurants"
        + " WHERE updated_at > now() - interval '1 minute'"
        + " AND created_at < now() - interval '1 hour'")).isEqualTo(1);
  }

  @Test
  void users_emailUniqueWhateverItsCase() throws SQLException {
    exec("INSERT INTO users (email) VALUES ('Ada@Example.com')");
    assertThat(state("INSERT INTO users (email) VALUES ('ada@example.COM')")).isEqualTo("23505");
    assertThat(queryLong("SELECT count(*) FROM users WHERE preferences = '{}'::jsonb"))
        .isEqualTo(1);
  }

  @Test
  @DisplayName("deleting a user or a restaurant deletes their favorites, never the other side")
  void favorites_cascadeFromBothSides() throws SQLException {
    exec("INSERT INTO users (email) VALUES ('a@x.org'), ('b@x.org')");
    exec("INSERT INTO restaurants (name, city, latitude, longitude)"
        + " VALUES ('r1', 'c', 1, 1), ('r2', 'c', 1, 1)");
    exec("INSERT INTO favorites (user_id, restaurant_id) VALUES (1, 1), (1, 2), (2, 1)");
    assertThat(state("INSERT INTO favorites (user_id, restaurant_id) VALUES (1, 1)"))
        .isEqualTo("23505");
    assertThat(state("INSERT INTO favorites (user_id, restaurant_id) VALUES (1, 99)"))
        .isEqualTo("23503");

    exec("DELETE FROM restaurants WHERE id = 1");
    assertThat(queryLong("SELECT count(*) FROM favorites")).isEqualTo(1);
    exec("DELETE FROM users WHERE id = 1");
    assertThat(queryLong("SELECT count(*) FROM favorites")).isZero();
    assertThat(queryLong("SELECT count(*) FROM users")).isEqualTo(1);
    assertThat(queryLong("SELECT count(*) FROM restaurants")).isEqualTo(1);
  }

  @Test
  @DisplayName("analytics has monthly partitions from 2024-01 to 24 months ahead, plus a default")
  void analytics_partitionsCoverHistoryAndTwoYearsAhead() throws SQLException {
    YearMonth now = YearMonth.now(ZoneOffset.UTC);
    List<String> expected = new ArrayList<>();
    for (YearMonth m = YearMonth.of(2024, 1); !m.isAfter(now.plusMonths(24)); m = m.plusMonths(1)) {
      expected.add("analytics_events_%d_%02d".formatted(m.getYear(), m.getMonthValue()));
    }
    expected.add("analytics_events_default");

    assertThat(partitions()).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  void ensureAnalyticsPartitions_idempotentAndExtends() throws SQLException {
    assertThat(queryLong("SELECT ensure_analytics_partitions(DATE '2024-01-01', 12)")).isZero();
    int before = partitions().size();

    LocalDate far = LocalDate.now(ZoneOffset.UTC).plusYears(5).withDayOfMonth(17);
    assertThat(queryLong("SELECT ensure_analytics_partitions(DATE '" + far + "', 3)"))
        .isEqualTo(3);
    assertThat(queryLong("SELECT ensure_analytics_partitions(DATE '" + far + "', 3)")).isZero();
    assertThat(partitions()).hasSize(before + 3).contains("analytics_events_%d_%02d"
        .formatted(far.getYear(), far.getMonthValue()));
    assertThat(state("SELECT ensure_analytics_partitions(DATE '2024-01-01', -1)"))
        .isEqualTo("22023");
  }

  @Test
  @DisplayName("events land in their month, out-of-range ones in the default partition")
  void analytics_eventsRoutedByMonth() throws SQLException {
    exec("INSERT INTO analytics_events (type, restaurant_id, occurred_at)"
        + " VALUES ('view', 1, '2024-03-31 23:59:59.999+00'), ('view', 1, '2024-04-01 00:00+00'),"
        + " ('view', 2, '2019-06-01 12:00+00')");
    assertThat(queryLong("SELECT count(*) FROM analytics_events_2024_03")).isEqualTo(1);
    assertThat(queryLong("SELECT count(*) FROM analytics_events_2024_04")).isEqualTo(1);
    assertThat(queryLong("SELECT count(*) FROM analytics_events_default")).isEqualTo(1);
    // no foreign keys: a restaurant delete never waits on, or cascades into, analytics
    assertThat(queryLong("SELECT count(*) FROM analytics_events WHERE restaurant_id = 1"))
        .isEqualTo(2);
  }

  @Test
  @DisplayName("a report over a window reads only the partitions of that window")
  void analytics_windowQuery_prunesPartitions() throws SQLException {
    String plan = explain("SELECT restaurant_id, count(*) FROM analytics_events"
        + " WHERE type = 'view' AND occurred_at >= '2024-05-03+00' AND occurred_at < '2024-06-10+00'"
        + " GROUP BY restaurant_id ORDER BY count(*) DESC LIMIT 10");
    assertThat(plan).contains("analytics_events_2024_05", "analytics_events_2024_06")
        .doesNotContain("analytics_events_2024_04", "analytics_events_2024_07",
            "analytics_events_default");
  }

  private List<String> partitions() throws SQLException {
    List<String> names = new ArrayList<>();
    try (Statement s = db.createStatement();
        ResultSet rs = s.executeQuery("SELECT c.relname FROM pg_inherits i"
            + " JOIN pg_class c ON c.oid = i.inhrelid"
            + " WHERE i.inhparent = 'analytics_events'::regclass")) {
      while (rs.next()) {
        names.add(rs.getString(1));
      }
    }
    return names;
  }

  /** Inserts a valid restaurant except for {@code column = value}; returns the SQLSTATE. */
  private String insertRestaurantState(String column, String value) {
    boolean name = column.equals("name");
    String columns = name ? "city, latitude, longitude, " : "name, city, latitude, longitude, ";
    String values = name ? "'c', 1, 2, " : "'n', 'c', 1, 2, ";
    return state("INSERT INTO restaurants (" + columns + column + ") VALUES (" + values + value
        + ")");
  }

  /** The SQLSTATE the statement fails with, or null when it succeeds. */
  private String state(String sql) {
    try (Statement s = db.createStatement()) {
      s.execute(sql);
      return null;
    } catch (SQLException e) {
      return e.getSQLState();
    }
  }

  private void exec(String sql) throws SQLException {
    try (Statement s = db.createStatement()) {
      s.execute(sql);
    }
  }

  private long queryLong(String sql) throws SQLException {
    try (PreparedStatement s = db.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private String explain(String sql) throws SQLException {
    StringBuilder plan = new StringBuilder();
    try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("EXPLAIN " + sql)) {
      while (rs.next()) {
        plan.append(rs.getString(1)).append('\n');
      }
    }
    return plan.toString();
  }
}
