package io.consolidb.schema;

import io.consolidb.schema.SchemaDiff.Difference;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * A live schema compared with what the migrations make: what {@code consolidb check} prints and
 * what {@link SchemaAdoption} verifies before it baselines.
 *
 * @param schema      the schema inspected
 * @param applied     the highest version Flyway's history records as applied; null when the schema
 *                    has no history (never migrated by consolidb)
 * @param latest      the highest version of the migrations
 * @param comparedWith the version the differences are against: {@code applied} when there is a
 *                    history, else the highest version with no blocking difference ({@code matching}),
 *                    else {@code latest}; 0 for an empty schema
 * @param matching    without a history: the highest version the schema matches (no blocking
 *                    difference), which {@code migrate --baseline-version} can adopt; else null
 * @param differences every difference from version {@code comparedWith}
 */
public record SchemaInspection(String schema, Integer applied, int latest, int comparedWith, Integer matching,
    boolean empty, List<Difference> differences) {

  /** Whether consolidb can run on the schema as it is (after the pending migrations). */
  public boolean usable() {
    return applied != null && !SchemaDiff.blocking(differences) || empty;
  }

  /**
   * Inspects {@code schema} (null: the connection's current schema). Builds the expected schema
   * in a scratch schema of the same database ({@link ExpectedSchema}).
   *
   * @throws SQLException when the database cannot be read or the scratch schema cannot be built
   */
  public static SchemaInspection inspect(JdbcCoordinates coordinates, String schema) throws SQLException {
    JdbcCoordinates c = ExpectedSchema.bounded(coordinates);
    String name;
    Integer applied;
    SchemaModel live;
    try (Connection connection = DriverManager.getConnection(c.url(), c.user(), c.password())) {
      name = schema != null ? schema : currentSchema(connection);
      applied = appliedVersion(connection, name);
      live = SchemaModel.read(connection, name);
    }
    List<Integer> versions = ExpectedSchema.versions(coordinates);
    int latest = versions.get(versions.size() - 1);
    if (applied == null && live.empty()) {
      return new SchemaInspection(name, null, latest, 0, null, true, List.of());
    }
    // with a history only its version matters; without one, every version is a candidate
    ExpectedSchema expected = applied != null ? ExpectedSchema.at(coordinates, applied)
        : ExpectedSchema.upTo(coordinates, latest);
    if (applied != null) {
      SchemaModel at = expected.at(applied);
      if (at == null) {
        // a history from a newer consolidb: nothing here says what that version looks like
        return new SchemaInspection(name, applied, latest, applied, null, false, List.of(new Difference(true,
            "the history records V" + applied + ", newer than this consolidb's migrations (V" + latest + ")")));
      }
      return new SchemaInspection(name, applied, latest, applied, null, false, SchemaDiff.diff(at, live));
    }
    Integer matching = null;
    for (Map.Entry<Integer, SchemaModel> version : expected.byVersion().entrySet()) {
      if (!SchemaDiff.blocking(SchemaDiff.diff(version.getValue(), live))) {
        matching = version.getKey();
      }
    }
    int against = matching != null ? matching : latest;
    return new SchemaInspection(name, null, latest, against, matching, false,
        SchemaDiff.diff(expected.at(against), live));
  }

  static String currentSchema(Connection connection) throws SQLException {
    try (ResultSet rs = connection.createStatement().executeQuery("SELECT current_schema()")) {
      rs.next();
      String schema = rs.getString(1);
      if (schema == null) {
        throw new SQLException("the connection's search_path names no existing schema");
      }
      return schema;
    }
  }

  /** The highest successfully applied version, or null when the schema has no Flyway history. */
  static Integer appliedVersion(Connection connection, String schema) throws SQLException {
    try (PreparedStatement exists = connection.prepareStatement(
        "SELECT to_regclass(quote_ident(?) || '.flyway_schema_history') IS NOT NULL")) {
      exists.setString(1, schema);
      try (ResultSet rs = exists.executeQuery()) {
        rs.next();
        if (!rs.getBoolean(1)) {
          return null;
        }
      }
    }
    try (ResultSet rs = connection.createStatement().executeQuery("SELECT max(version::int) FROM \""
        + schema.replace("\"", "\"\"") + "\".flyway_schema_history WHERE success AND version IS NOT NULL")) {
      rs.next();
      int version = rs.getInt(1);
      return rs.wasNull() ? 0 : version;
    }
  }
}
