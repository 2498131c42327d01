package io.consolidb.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.consolidb.testsupport.TestSchema;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class SchemaMigratorTest {

  /** The migrations in the source tree, by version (read, so a new migration needs no edit here). */
  private static final List<String> VERSIONS = migrationVersions();
  private static final String LATEST = VERSIONS.get(VERSIONS.size() - 1);
  /** One successful history row per version. */
  private static final Map<String, Integer> ONCE_EACH = onceEach();
  private static final int NODES = 4;

  private TestSchema schema;

  @BeforeEach
  void freshSchema() {
    schema = TestSchema.create("migrator");
  }

  @AfterEach
  void dropSchema() throws Exception {
    schema.close();
  }

  @Test
  @DisplayName("four nodes migrating one fresh schema at once all succeed and apply each version once")
  void migrate_concurrentNodes() throws Exception {
    CyclicBarrier start = new CyclicBarrier(NODES);
    ExecutorService nodes = Executors.newFixedThreadPool(NODES);
    List<Future<MigrateResult>> results = new ArrayList<>();
    try {
      for (int i = 0; i < NODES; i++) {
        Callable<MigrateResult> node = () -> {
          start.await(10, TimeUnit.SECONDS);
          return schema.migrate();
        };
        results.add(nodes.submit(node));
      }
      int executed = 0;
      for (Future<MigrateResult> result : results) {
        // get() rethrows a node's failure, which fails the test with its cause
        MigrateResult r = result.get(60, TimeUnit.SECONDS);
        assertThat(r.success).isTrue();
        // a node that ran only the first migrations before another took over reports where it stopped
        if (r.targetSchemaVersion != null) {
          assertThat(r.targetSchemaVersion).isIn(VERSIONS);
        }
        executed += r.migrationsExecuted;
      }
      // the nodes may share the work (Flyway locks per migration), but nothing runs twice
      assertThat(executed).isEqualTo(VERSIONS.size());
    } finally {
      nodes.shutdownNow();
    }

    assertThat(appliedVersions())
        .as("successful history rows per version")
        .isEqualTo(ONCE_EACH);
  }

  @Test
  @DisplayName("migrating an up-to-date schema again changes nothing")
  void migrate_upToDate_isNoOp() throws Exception {
    MigrateResult first = schema.migrate();
    assertThat(first.migrationsExecuted).isEqualTo(VERSIONS.size());
    assertThat(first.targetSchemaVersion).isEqualTo(LATEST);
    assertThat(first.schemaName).isEqualTo(schema.name);

    MigrateResult again = schema.migrate();

    assertThat(again.success).isTrue();
    assertThat(again.migrationsExecuted).isZero();
    assertThat(again.initialSchemaVersion).isEqualTo(LATEST);
    assertThat(appliedVersions()).isEqualTo(ONCE_EACH);
  }

  @Test
  void migrate_schemaNotAnIdentifier_rejected() {
    JdbcCoordinates c = schema.jdbc;
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SchemaMigrator.migrate(c.url(), c.user(), c.password(), "x\"; DROP TABLE y; --"));
    assertThat(e).hasMessageContaining("lower-case SQL identifier");
  }

  @Test
  void migrate_notAJdbcUrl_rejectedWithoutPassword() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SchemaMigrator.migrate("postgresql://u:s3cret@localhost/db", "u", "s3cret"));
    assertThat(e).hasMessageContaining("jdbc:postgresql:").hasMessageNotContaining("s3cret");
  }

  private static List<String> migrationVersions() {
    try (java.util.stream.Stream<java.nio.file.Path> files =
        java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources/db/migration"))) {
      return files.map(f -> f.getFileName().toString())
          .filter(n -> n.matches("V\\d+__.*\\.sql"))
          .map(n -> n.substring(1, n.indexOf("__")))
          .sorted(java.util.Comparator.comparingInt(Integer::parseInt))
          .toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Map<String, Integer> onceEach() {
    Map<String, Integer> once = new java.util.TreeMap<>();
    VERSIONS.forEach(v -> once.put(v, 1));
    return once;
  }

  private Map<String, Integer> appliedVersions() throws Exception {
    Map<String, Integer> versions = new LinkedHashMap<>();
    try (Connection c = schema.jdbcConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version, count(*) FROM flyway_schema_history"
            + " WHERE version IS NOT NULL AND success GROUP BY version ORDER BY version")) {
      while (rs.next()) {
        versions.put(rs.getString(1), rs.getInt(2));
      }
    }
    return versions;
  }
}
