package io.consolidb.schema;

import io.consolidb.schema.SchemaDiff.Difference;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Migrations for a database that may predate consolidb: a schema the old system made (tables, no
 * Flyway history) is adopted only when asked for a version and only when it matches what that
 * version makes. Then Flyway records a baseline at that version and applies the later migrations.
 * Never silently: without a version, or when the schema differs, nothing is written.
 */
public final class SchemaAdoption {

  /** The schema was not adopted; {@link #getMessage()} says why and what to do, one line. */
  public static final class Refused extends RuntimeException {
    private final transient List<Difference> differences;

    Refused(String message, List<Difference> differences) {
      super(message);
      this.differences = List.copyOf(differences);
    }

    /** The blocking differences (and the informational ones) that stopped the adoption. */
    public List<Difference> differences() {
      return differences;
    }
  }

  private SchemaAdoption() {
  }

  /**
   * Migrates {@code schema} (null: the connection's current schema). When it has tables but no
   * Flyway history: with {@code baselineVersion} (null: none given) the schema is compared with
   * what that version makes and, matching, baselined at it before migrating; otherwise refused.
   * With a history or an empty schema, {@code baselineVersion} is not needed and is ignored.
   *
   * @throws Refused when the schema is not adopted (no version given, an unknown version, or
   *     blocking differences); nothing was written then
   * @throws SQLException when the database cannot be read
   */
  public static MigrateResult migrate(JdbcCoordinates coordinates, String schema, Integer baselineVersion)
      throws SQLException {
    JdbcCoordinates c = ExpectedSchema.bounded(coordinates);
    String name;
    Integer applied;
    SchemaModel live;
    try (Connection connection = connect(c)) {
      name = schema != null ? schema : SchemaInspection.currentSchema(connection);
      applied = SchemaInspection.appliedVersion(connection, name);
      live = applied == null ? SchemaModel.read(connection, name) : null;
    }
    if (applied == null && !live.empty()) {
      if (baselineVersion == null) {
        throw new Refused("schema " + name + " has tables but no flyway_schema_history (a database consolidb did not"
            + " create): run 'consolidb check' to see which version it matches, then 'consolidb migrate"
            + " --baseline-version N' (docs/MIGRATING.md)", List.of());
      }
      List<Integer> versions = ExpectedSchema.versions(coordinates);
      if (!versions.contains(baselineVersion)) {
        throw new Refused("--baseline-version " + baselineVersion + " is not a migration version (they are "
            + versions + ")", List.of());
      }
      List<Difference> differences = SchemaDiff.diff(ExpectedSchema.at(coordinates, baselineVersion)
          .at(baselineVersion), live);
      long blocking = differences.stream().filter(Difference::blocking).count();
      if (blocking > 0) {
        throw new Refused("schema " + name + " does not match version " + baselineVersion + " (" + blocking
            + " blocking difference" + (blocking == 1 ? "" : "s") + "): not adopted", differences);
      }
      SchemaMigrator.configure(c.url(), c.user(), c.password(), schema, 0)
          .baselineVersion(String.valueOf(baselineVersion))
          .baselineDescription("adopted: matched V" + baselineVersion)
          .load().baseline();
    }
    return SchemaMigrator.configure(coordinates.url(), coordinates.user(), coordinates.password(), schema,
        SchemaMigrator.CONNECT_RETRIES).load().migrate();
  }

  /**
   * A connection, retried as Flyway retries its own while the database is still starting (an
   * init job may run before PostgreSQL accepts sessions): connection failures (SQLSTATE class 08,
   * 57P03) only, {@link SchemaMigrator#CONNECT_RETRIES} more attempts, backoff up to
   * {@link SchemaMigrator#CONNECT_RETRIES_INTERVAL_SECONDS}.
   */
  private static Connection connect(JdbcCoordinates c) throws SQLException {
    for (int attempt = 0; ; attempt++) {
      try {
        return DriverManager.getConnection(c.url(), c.user(), c.password());
      } catch (SQLException e) {
        String state = String.valueOf(e.getSQLState());
        if (attempt >= SchemaMigrator.CONNECT_RETRIES || !(state.startsWith("08") || state.equals("57P03"))) {
          throw e;
        }
        try {
          Thread.sleep(Math.min(1000L << Math.min(attempt, 4), SchemaMigrator.CONNECT_RETRIES_INTERVAL_SECONDS * 1000L));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
