package io.consolidb.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.consolidb.schema.SchemaDiff.Difference;
import io.consolidb.testsupport.TestSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The schema check and the adoption of an old system's database, on private schemas of the test
 * database (a scratch database cannot be used here: earthdistance, which V1 needs, can only be
 * created there by a superuser). An "old-system" schema is what V1 makes, without Flyway's history.
 */
class SchemaAdoptionTest {

  private TestSchema schema;
  private int scratchBefore;

  @BeforeEach
  void create() throws SQLException {
    schema = TestSchema.create("adopt");
    scratchBefore = scratchSchemas();
  }

  @AfterEach
  void drop() throws Exception {
    schema.close();
  }

  @Test
  @DisplayName("a schema the migrations made has no differences, and the scratch schema is dropped")
  void inspect_migrated_noDifferences() throws Exception {
    schema.migrate();
    SchemaInspection inspection = SchemaInspection.inspect(schema.jdbc, schema.name);
    assertThat(inspection.differences()).isEmpty();
    assertThat(inspection.applied()).isEqualTo(inspection.latest());
    assertThat(inspection.usable()).isTrue();
    assertThat(scratchSchemas()).isEqualTo(scratchBefore);
  }

  @Test
  @DisplayName("check lists an altered column, a missing index, a missing table and an extra column")
  void inspect_altered_listsEachDifference() throws Exception {
    schema.migrate();
    exec("ALTER TABLE restaurants ALTER COLUMN rating TYPE numeric(3,1)",
        "ALTER TABLE restaurants ALTER COLUMN phone SET NOT NULL",
        "DROP INDEX restaurants_search_idx",
        "DROP TABLE favorites",
        "ALTER TABLE users ADD COLUMN legacy_code text");
    SchemaInspection inspection = SchemaInspection.inspect(schema.jdbc, schema.name);
    assertThat(inspection.differences()).map(Difference::toString).contains(
        "DIFF column restaurants.rating: type numeric(3,1), expected numeric(2,1)",
        "DIFF column restaurants.phone: NOT NULL, expected nullable",
        "DIFF missing table favorites",
        "INFO extra column users.legacy_code text");
    assertThat(inspection.differences()).map(Difference::toString)
        .anyMatch(d -> d.startsWith("DIFF missing index restaurants_search_idx on restaurants: CREATE INDEX ON restaurants USING gin (search_document)"));
    assertThat(inspection.usable()).isFalse();
  }

  @Test
  @DisplayName("an index under another name is noted, not a blocking difference")
  void inspect_renamedIndex_informational() throws Exception {
    schema.migrate();
    exec("ALTER INDEX restaurants_city_name_idx RENAME TO idx_city");
    List<Difference> differences = SchemaInspection.inspect(schema.jdbc, schema.name).differences();
    assertThat(differences).containsExactly(new Difference(false,
        "index restaurants_city_name_idx on restaurants is named idx_city here"));
  }

  @Test
  @DisplayName("an old-system schema (V1's tables, no history) is reported as matching V1, adopted at V1 and fully migrated, its rows kept")
  void adopt_matching_baselinesAndMigrates() throws Exception {
    oldSystemSchema();
    exec("INSERT INTO restaurants (name, city, latitude, longitude) VALUES ('Kept', 'Miami', 25.76, -80.19)");
    SchemaInspection before = SchemaInspection.inspect(schema.jdbc, schema.name);
    assertThat(before.applied()).isNull();
    assertThat(before.matching()).isEqualTo(1);
    assertThat(before.usable()).isFalse();

    var result = SchemaAdoption.migrate(schema.jdbc, schema.name, 1);

    assertThat(result.migrationsExecuted).isEqualTo(before.latest() - 1);
    assertThat(history()).startsWith("1:BASELINE,2:SQL,");
    SchemaInspection after = SchemaInspection.inspect(schema.jdbc, schema.name);
    assertThat(after.applied()).isEqualTo(after.latest());
    assertThat(after.differences()).isEmpty();
    assertThat(single("SELECT name FROM restaurants")).isEqualTo("Kept");
    assertThat(scratchSchemas()).isEqualTo(scratchBefore);
  }

  @Test
  @DisplayName("a schema that does not match the version asked for is refused, with its differences, and nothing is written")
  void adopt_mismatching_refused() throws Exception {
    oldSystemSchema();
    exec("ALTER TABLE restaurants DROP COLUMN phone", "ALTER TABLE restaurants ALTER COLUMN city DROP NOT NULL");
    SchemaAdoption.Refused refused = assertThrows(SchemaAdoption.Refused.class,
        () -> SchemaAdoption.migrate(schema.jdbc, schema.name, 1));
    assertThat(refused).hasMessageContaining("does not match version 1", "2 blocking differences");
    assertThat(refused.differences()).map(Difference::toString).contains(
        "DIFF missing column restaurants.phone text", "DIFF column restaurants.city: nullable, expected NOT NULL");
    assertThat(hasHistory()).isFalse();
    assertThat(scratchSchemas()).isEqualTo(scratchBefore);
  }

  @Test
  @DisplayName("a later version than the schema has is refused: V2's tables are missing")
  void adopt_wrongVersion_refused() throws Exception {
    oldSystemSchema();
    SchemaAdoption.Refused refused = assertThrows(SchemaAdoption.Refused.class,
        () -> SchemaAdoption.migrate(schema.jdbc, schema.name, 2));
    assertThat(refused.differences()).map(Difference::toString).contains("DIFF missing table users");
    assertThat(hasHistory()).isFalse();
  }

  @Test
  @DisplayName("without a version, or with one that is no migration, an old-system schema is refused with what to do")
  void adopt_withoutVersion_refused() throws Exception {
    oldSystemSchema();
    assertThat(assertThrows(SchemaAdoption.Refused.class, () -> SchemaAdoption.migrate(schema.jdbc, schema.name, null)))
        .hasMessageContaining("no flyway_schema_history", "consolidb check", "--baseline-version N");
    assertThat(assertThrows(SchemaAdoption.Refused.class, () -> SchemaAdoption.migrate(schema.jdbc, schema.name, 99)))
        .hasMessageContaining("99 is not a migration version");
    assertThat(hasHistory()).isFalse();
  }

  @Test
  @DisplayName("a version given for a schema already under Flyway, or an empty one, is not needed and changes nothing")
  void adopt_alreadyMigratedOrEmpty_migratesNormally() throws Exception {
    var fresh = SchemaAdoption.migrate(schema.jdbc, schema.name, 3);
    assertThat(history()).startsWith("1:SQL");
    assertThat(SchemaAdoption.migrate(schema.jdbc, schema.name, 3).migrationsExecuted).isZero();
    assertThat(fresh.migrationsExecuted).isGreaterThan(1);
  }

  /** What V1 makes, without Flyway's history: the shape of the old system's database. */
  private void oldSystemSchema() throws SQLException {
    SchemaMigrator.configure(schema.jdbc.url(), schema.jdbc.user(), schema.jdbc.password(), schema.name, 0)
        .target("1").load().migrate();
    exec("DROP TABLE flyway_schema_history");
  }

  private void exec(String... statements) throws SQLException {
    try (Connection c = schema.jdbcConnection(); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    }
  }

  private String single(String sql) throws SQLException {
    try (Connection c = schema.jdbcConnection(); ResultSet rs = c.createStatement().executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  private boolean hasHistory() throws SQLException {
    return "true".equals(single("SELECT (to_regclass('\"" + schema.name + "\".flyway_schema_history') IS NOT NULL)::text"));
  }

  private String history() throws SQLException {
    return single("SELECT string_agg(version || ':' || type, ',' ORDER BY installed_rank) FROM flyway_schema_history");
  }

  private int scratchSchemas() throws SQLException {
    return Integer.parseInt(single("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'consolidb\\_expected\\_%'"));
  }
}
