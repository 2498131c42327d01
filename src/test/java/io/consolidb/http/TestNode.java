package io.consolidb.http;

import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.schema.JdbcCoordinates;
import io.consolidb.schema.SchemaMigrator;
import io.consolidb.testsupport.TestNodes;
import io.consolidb.testsupport.TestServices;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgConnectOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A consolidb node for end-to-end tests: a private, migrated schema in the test database (so
 * test classes never see each other's rows), the node configuration pointing at it, and the
 * verticles that serve restaurants. {@link #close()} drops the schema.
 */
public final class TestNode implements AutoCloseable {

  private final String schema;
  private final JdbcCoordinates jdbc;

  private TestNode(String schema) {
    this.schema = schema;
    this.jdbc = JdbcCoordinates.fromUri(TestServices.databaseUrl());
  }

  /** Creates {@code prefix_<random>} and applies the migrations to it (blocking: not on an event loop). */
  public static TestNode create(String prefix) {
    TestNode node = new TestNode((prefix + "_" + Long.toHexString(ThreadLocalRandom.current().nextLong()))
        .toLowerCase(Locale.ROOT));
    SchemaMigrator.migrate(node.jdbc.url(), node.jdbc.user(), node.jdbc.password(), node.schema);
    return node;
  }

  /** The node's schema. */
  public String schema() {
    return schema;
  }

  /** The test database URL with this node's schema first on the search_path. */
  public String databaseUrl() {
    String base = TestServices.databaseUrl();
    String searchPath = URLEncoder.encode(schema + ",public", StandardCharsets.UTF_8);
    return base + (base.contains("?") ? "&" : "?") + "search_path=" + searchPath;
  }

  /** The database password, which no response may ever contain. */
  public static String databasePassword() {
    return PgConnectOptions.fromUri(TestServices.databaseUrl()).getPassword();
  }

  /**
   * The node's configuration (the shape {@code NodeSettings.fromJson} reads): testing environment,
   * HTTP on 127.0.0.1:{@code httpPort}, the given API token ("" for none), cache and Redis off.
   * The API token holds every write scope (as {@code API_TOKEN} does) and, through an
   * {@code HTTP_TOKENS} entry of the same value, {@code users.read}: one token reads back what a
   * test wrote.
   */
  public JsonObject config(int httpPort, String apiToken) {
    return new JsonObject()
        .put("environment", "testing")
        .put("http", new JsonObject()
            .put("host", "127.0.0.1")
            .put("port", httpPort)
            .put("maxBodyBytes", 64 * 1024)
            .put("apiToken", apiToken)
            .put("tokens", apiToken.isEmpty() ? "" : "test-reader:users.read:" + apiToken))
        .put("database", new JsonObject()
            .put("url", databaseUrl())
            .put("pool", new JsonObject().put("size", 4).put("timeoutSeconds", 5))
            .put("queryTimeoutMs", 3000)
            .put("migrate", false)
            .put("seedDemoData", false))
        .put("redis", new JsonObject().put("enabled", false).put("url", "redis://127.0.0.1:6379"))
        .put("cache", new JsonObject().put("enabled", false))
        .put("cluster", new JsonObject().put("enabled", false));
  }

  /** Deploys the query verticle and the restaurant, user and analytics services with this configuration. */
  public static Future<Void> deployServices(Vertx vertx, JsonObject config) {
    return TestNodes.deployAsync(vertx, config, Component.QUERY, Component.RESTAURANTS, Component.USERS,
        Component.ANALYTICS).mapEmpty();
  }

  /**
   * Deploys the query verticle, the three services and the HTTP API as one node (the HTTP API calls
   * the services in-process, as on a real node), and the health monitor when {@code withHealth}.
   */
  public static Future<Void> deployServicesAndHttp(Vertx vertx, JsonObject config, boolean withHealth) {
    return withHealth
        ? TestNodes.deployAsync(vertx, config, Component.QUERY, Component.RESTAURANTS, Component.USERS,
            Component.ANALYTICS, Component.HEALTH, Component.HTTP).mapEmpty()
        : TestNodes.deployAsync(vertx, config, Component.QUERY, Component.RESTAURANTS, Component.USERS,
            Component.ANALYTICS, Component.HTTP).mapEmpty();
  }

  /** Deploys the health monitor with this configuration. */
  public static Future<Void> deployHealth(Vertx vertx, JsonObject config) {
    return TestNodes.deployAsync(vertx, config, Component.HEALTH).mapEmpty();
  }

  /** Deploys the HTTP verticle with this configuration. */
  public static Future<Void> deployHttp(Vertx vertx, JsonObject config) {
    return TestNodes.deployAsync(vertx, config, Component.HTTP).mapEmpty();
  }

  /** Empties the restaurants (ids restart at 1) and inserts {@link KnownRestaurants#ALL} (blocking). */
  public void reseed() {
    try (Connection c = connection(); Statement s = c.createStatement()) {
      s.execute("TRUNCATE restaurants RESTART IDENTITY CASCADE");
      try (PreparedStatement insert = c.prepareStatement(
          "INSERT INTO restaurants (name, address, city, state, kosher_category, price_range, rating,"
              + " latitude, longitude) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
        for (KnownRestaurants.Seed seed : KnownRestaurants.ALL) {
          insert.setString(1, seed.name());
          insert.setString(2, seed.address());
          insert.setString(3, seed.city());
          insert.setString(4, seed.state());
          insert.setString(5, seed.kosherCategory());
          insert.setObject(6, seed.priceRange(), Types.SMALLINT);
          insert.setObject(7, seed.rating(), Types.NUMERIC);
          insert.setDouble(8, seed.latitude());
          insert.setDouble(9, seed.longitude());
          insert.addBatch();
        }
        insert.executeBatch();
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot seed " + schema + ": " + e.getMessage(), e);
    }
  }

  /** A port nobody listens on right now. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs SQL statements in this node's schema (blocking). */
  public void execute(String... statements) {
    try (Connection c = connection(); Statement s = c.createStatement()) {
      for (String sql : statements) {
        s.execute(sql);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run SQL in " + schema + ": " + e.getMessage(), e);
    }
  }

  /** The first column of the first row of a query in this node's schema, as a long (blocking). */
  public long queryLong(String sql) {
    try (Connection c = connection(); Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot query " + schema + ": " + e.getMessage(), e);
    }
  }

  /** A JDBC connection whose search_path puts this node's schema first; the caller closes it. */
  public Connection connection() throws SQLException {
    Connection c = DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password());
    try (Statement s = c.createStatement()) {
      s.execute("SET search_path = \"" + schema + "\", public");
    }
    return c;
  }

  @Override
  public void close() throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbc.url(), jdbc.user(), jdbc.password());
        Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
    }
  }

  @Override
  public String toString() {
    return schema;
  }
}
