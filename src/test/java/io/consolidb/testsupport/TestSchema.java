package io.consolidb.testsupport;

import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.schema.SchemaMigrator;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * A private, throwaway schema in the test database, so test classes (and concurrent builds)
 * never see each other's tables. {@link #close()} drops it with everything in it.
 */
public final class TestSchema implements AutoCloseable {

  public final String name;
  public final JdbcCoordinates jdbc;

  private TestSchema(String name) {
    this.name = name;
    this.jdbc = JdbcCoordinates.fromUri(TestServices.databaseUrl());
  }

  /** A new, not yet existing schema named {@code prefix_<random>}. */
  public static TestSchema create(String prefix) {
    return new TestSchema((prefix + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong()))
        .toLowerCase(Locale.ROOT));
  }

  /** Creates the schema if needed and applies the migrations (blocking). */
  public MigrateResult migrate() {
    return SchemaMigrator.migrate(jdbc.url(), jdbc.user(), jdbc.password(), name);
  }

  /** Connect options whose search_path puts this schema first, then the extensions' public. */
  public PgConnectOptions connectOptions() {
    return TestServices.pgConnectOptions().addProperty("search_path", name + ", public");
  }

  public Pool pool(Vertx vertx, int maxSize) {
    return PgBuilder.pool()
        .with(new PoolOptions().setMaxSize(maxSize))
        .connectingTo(connectOptions())
        .using(vertx)
        .build();
  }

  /** A plain JDBC connection whose search_path puts this schema first. */
  public Connection jdbcConnection() throws SQLException {
    Connection c = DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password());
    try (Statement s = c.createStatement()) {
      s.execute("SET search_path = \"" + name + "\", public");
    }
    return c;
  }

  @Override
  public void close() throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password());
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS \"" + name + "\" CASCADE");
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
