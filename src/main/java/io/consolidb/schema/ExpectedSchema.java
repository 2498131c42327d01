package io.consolidb.schema;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.flywaydb.core.api.MigrationInfo;

/**
 * The schema each migration version makes, derived from the migrations themselves so it cannot
 * drift from them: they are applied one version at a time to a scratch schema of the same
 * database (same server version, same extensions), which is read after each step and dropped at
 * the end whatever happens. Needs the CREATE privilege on the database, as the migrations do.
 *
 * <p>Blocking (JDBC and Flyway); every connection has a connect and a socket timeout
 * ({@link #bounded}).
 */
public final class ExpectedSchema {

  static final String SCRATCH_PREFIX = "consolidb_expected_";
  /** Seconds a connect may take. */
  static final int CONNECT_TIMEOUT_SECONDS = 10;
  /** Seconds any one read may wait for the server: a migration step here takes a few seconds. */
  static final int SOCKET_TIMEOUT_SECONDS = 120;

  private final SortedMap<Integer, SchemaModel> byVersion;

  private ExpectedSchema(SortedMap<Integer, SchemaModel> byVersion) {
    this.byVersion = Collections.unmodifiableSortedMap(byVersion);
  }

  /** The migration versions on the classpath, in order (asks the database nothing but a connection). */
  public static List<Integer> versions(JdbcCoordinates coordinates) {
    JdbcCoordinates c = bounded(coordinates);
    return java.util.Arrays.stream(SchemaMigrator.configure(c.url(), c.user(), c.password(), null, 0).load()
            .info().all())
        .filter(m -> m.getVersion() != null)
        .map(MigrationInfo::getVersion)
        .map(v -> Integer.parseInt(v.getVersion()))
        .distinct().sorted().toList();
  }

  /** Builds the models of versions 1 to {@code upTo}, one migration step at a time. */
  public static ExpectedSchema upTo(JdbcCoordinates coordinates, int upTo) throws SQLException {
    return build(coordinates, upTo, true);
  }

  /** Builds the model of {@code version} alone, in one Flyway run. */
  public static ExpectedSchema at(JdbcCoordinates coordinates, int version) throws SQLException {
    return build(coordinates, version, false);
  }

  private static ExpectedSchema build(JdbcCoordinates coordinates, int upTo, boolean everyVersion)
      throws SQLException {
    JdbcCoordinates c = bounded(coordinates);
    String scratch = SCRATCH_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    SortedMap<Integer, SchemaModel> models = new TreeMap<>();
    try (Connection connection = DriverManager.getConnection(c.url(), c.user(), c.password())) {
      try {
        for (int version : versions(coordinates)) {
          if (version > upTo) {
            break;
          }
          if (!everyVersion && version < upTo) {
            continue;
          }
          SchemaMigrator.configure(c.url(), c.user(), c.password(), scratch, 0)
              .target(String.valueOf(version)).load().migrate();
          models.put(version, SchemaModel.read(connection, scratch));
        }
      } finally {
        try (Statement drop = connection.createStatement()) {
          drop.execute("DROP SCHEMA IF EXISTS \"" + scratch + "\" CASCADE");
        }
      }
    }
    return new ExpectedSchema(models);
  }

  /** The model after {@code version}; null when that version is not one of the migrations. */
  public SchemaModel at(int version) {
    return byVersion.get(version);
  }

  /** Each version built, with its model, in order. */
  public SortedMap<Integer, SchemaModel> byVersion() {
    return byVersion;
  }

  /** The coordinates with pgjdbc's connect and socket timeouts, so no call can hang. */
  static JdbcCoordinates bounded(JdbcCoordinates coordinates) {
    return coordinates.withParameters(Map.of(
        "connectTimeout", String.valueOf(CONNECT_TIMEOUT_SECONDS),
        "socketTimeout", String.valueOf(SOCKET_TIMEOUT_SECONDS)));
  }
}
