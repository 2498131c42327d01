package io.consolidb.schema;

import java.util.Objects;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the database schema up to date with the Flyway migrations in
 * {@code classpath:db/migration}.
 *
 * <p>Blocking (Flyway speaks JDBC): run it on a worker thread, e.g. through
 * {@code vertx.executeBlocking}, never on an event loop.
 *
 * <p>Safe when several nodes start at once: on PostgreSQL Flyway serialises migrations with an
 * advisory lock, so one node applies the pending versions and the others wait, then find
 * nothing left to do ({@code SchemaMigratorTest} proves it with four concurrent callers).
 * Baseline-on-migrate is off: pointing consolidb at a non-empty schema that Flyway did not
 * create fails instead of silently skipping migrations. Such a schema (the old system's) is
 * adopted only explicitly, after a comparison, by {@link SchemaAdoption}.
 */
public final class SchemaMigrator {

  /** Where the migrations live on the classpath. */
  public static final String LOCATION = "classpath:db/migration";

  /** Attempts to open the first connection (the database may still be starting). */
  static final int CONNECT_RETRIES = 10;
  /** Upper bound, in seconds, of the backoff between connection attempts. */
  static final int CONNECT_RETRIES_INTERVAL_SECONDS = 5;
  /**
   * Attempts, about a second apart, to take the migration lock while another node holds it.
   * Migrations here take well under a second; this leaves room for slow future ones.
   */
  static final int LOCK_RETRY_COUNT = 120;

  private static final Pattern SCHEMA_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private SchemaMigrator() {
  }

  /**
   * Migrates the connection's default schema (normally {@code public}).
   *
   * @param jdbcUrl  e.g. {@code jdbc:postgresql://127.0.0.1:5432/consolidb}
   *                 (see {@link JdbcCoordinates#fromUri(String)} for {@code postgresql://} URIs)
   * @return what Flyway did; {@code migrationsExecuted} is 0 when the schema was up to date
   * @throws org.flywaydb.core.api.FlywayException when the database is unreachable after the
   *     retries, a migration fails (its transaction is rolled back), or the applied history
   *     does not match the migrations on the classpath
   */
  public static MigrateResult migrate(String jdbcUrl, String user, String password) {
    return migrate(jdbcUrl, user, password, null);
  }

  /**
   * Migrates the given schema, creating it when missing; Flyway's history table lives there
   * too. The search_path of the migration connection is {@code schema} followed by the
   * connection's own search_path, so the cube/earthdistance functions in {@code public} stay
   * visible. Clients of a schema other than {@code public} must put it first on their
   * search_path the same way. Tests use this to get a fresh, private schema per run.
   *
   * @param schema a lower-case SQL identifier, or null for the connection's default schema
   * @throws IllegalArgumentException when {@code schema} is not a plain lower-case identifier
   */
  public static MigrateResult migrate(String jdbcUrl, String user, String password,
      String schema) {
    return flyway(jdbcUrl, user, password, schema, CONNECT_RETRIES).migrate();
  }

  /**
   * One attempt without Flyway's own connection retries: for a node that retries on its own
   * schedule and must not hold a worker thread for half a minute while the database is down.
   */
  public static MigrateResult migrateOnce(JdbcCoordinates coordinates) {
    return flyway(coordinates.url(), coordinates.user(), coordinates.password(), null, 0).migrate();
  }

  /** {@link #migrate(String, String, String, String)} with coordinates from a URI. */
  public static MigrateResult migrate(JdbcCoordinates coordinates, String schema) {
    Objects.requireNonNull(coordinates, "coordinates");
    return migrate(coordinates.url(), coordinates.user(), coordinates.password(), schema);
  }

  /** The configured Flyway instance, for {@code info()}/{@code validate()} in tools and tests. */
  static Flyway flyway(String jdbcUrl, String user, String password, String schema) {
    return flyway(jdbcUrl, user, password, schema, CONNECT_RETRIES);
  }

  private static Flyway flyway(String jdbcUrl, String user, String password, String schema,
      int connectRetries) {
    return configure(jdbcUrl, user, password, schema, connectRetries).load();
  }

  /**
   * The one Flyway configuration (locations, naming, no baseline-on-migrate, no clean), for
   * callers that need a target version or an explicit baseline ({@link SchemaAdoption}).
   */
  static FluentConfiguration configure(String jdbcUrl, String user, String password, String schema,
      int connectRetries) {
    Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          "expected a jdbc:postgresql: URL, got " + JdbcCoordinates.redact(jdbcUrl));
    }
    if (schema != null && !SCHEMA_NAME.matcher(schema).matches()) {
      throw new IllegalArgumentException("schema must be a lower-case SQL identifier"
          + " ([a-z_][a-z0-9_]*, at most 63 characters), got '" + schema + "'");
    }
    FluentConfiguration config = Flyway.configure()
        .dataSource(jdbcUrl, user, password)
        .locations(LOCATION)
        .failOnMissingLocations(true)
        .validateMigrationNaming(true)
        .baselineOnMigrate(false)
        .cleanDisabled(true)
        .connectRetries(connectRetries)
        .connectRetriesInterval(CONNECT_RETRIES_INTERVAL_SECONDS)
        .lockRetryCount(LOCK_RETRY_COUNT)
        .loggers("slf4j");
    if (schema != null) {
      config.schemas(schema).defaultSchema(schema);
    }
    return config;
  }

  /** A lower-case SQL identifier, safe to splice into SQL between double quotes. */
  static boolean isSchemaName(String schema) {
    return SCHEMA_NAME.matcher(schema).matches();
  }
}
