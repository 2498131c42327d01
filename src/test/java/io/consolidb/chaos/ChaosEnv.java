package io.consolidb.chaos;

import io.consolidb.bench.NodeProcess;
import io.consolidb.schema.JdbcCoordinates;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the chaos cases act on: the PostgreSQL cluster and the Redis that {@code scripts/chaos.sh}
 * brought up for them alone (so stopping them disturbs nobody else), the node's jar, and where
 * reports and logs go. Everything is driven as an operator would: {@code pg_ctlcluster},
 * {@code scripts/services.sh}, {@code redis-cli}, {@code nft}, SQL over JDBC.
 */
record ChaosEnv(String databaseUrl, String redisUrl, int redisPort, String pgCluster, Path jar, Path out,
    Map<String, String> servicesEnv) {

  static final String API_TOKEN = "chaos-write-token-0123456789abcdef";
  static final String ADMIN_TOKEN = "chaos-admin-token-0123456789abcdef";
  /** The node's query timeout in every case: what "answers within the query timeout" means. */
  static final long QUERY_TIMEOUT_MS = 2000;

  static ChaosEnv fromEnvironment() {
    Map<String, String> env = System.getenv();
    Map<String, String> services = new HashMap<>();
    for (String name : List.of("PGPORT", "REDIS_PORT", "CONSOLIDB_STATE_DIR", "SERVICES_ENV_FILE", "PG_CLUSTER_NAME")) {
      if (env.containsKey(name)) {
        services.put(name, env.get(name));
      }
    }
    return new ChaosEnv(require(env, "CHAOS_DATABASE_URL"), require(env, "CHAOS_REDIS_URL"),
        Integer.parseInt(require(env, "REDIS_PORT")), require(env, "CHAOS_PG_CLUSTER"),
        Path.of(require(env, "CHAOS_JAR")), Path.of(env.getOrDefault("CHAOS_OUT", "target/chaos")), services);
  }

  private static String require(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(name + " is not set (scripts/chaos.sh sets it)");
    }
    return value;
  }

  /**
   * A node from the jar on a free port, seeded with the demo data when the database is empty,
   * with {@code overrides} on top of the chaos defaults (staging settings, 2 s query timeout).
   */
  NodeProcess startNode(String name, Map<String, String> overrides) throws Exception {
    Map<String, String> env = new HashMap<>();
    env.put("CONSOLIDB_ENV", "staging");
    env.put("DATABASE_URL", databaseUrl);
    env.put("REDIS_URL", redisUrl);
    env.put("API_TOKEN", API_TOKEN);
    env.put("ADMIN_TOKEN", ADMIN_TOKEN);
    env.put("DB_QUERY_TIMEOUT_MS", Long.toString(QUERY_TIMEOUT_MS));
    env.put("DB_POOL_SIZE", "8");
    env.put("DB_SEED_DEMO_DATA", "true");
    env.put("DB_DEMO_RESTAURANTS", "2000");
    env.put("DB_ENABLE_METRICS", "true");
    env.put("SHUTDOWN_DRAIN_SECONDS", "0");
    env.putAll(overrides);
    Files.createDirectories(out);
    return NodeProcess.start(jar, "-Xms128m -Xmx256m -XX:+UseSerialGC", freePort(), env, out.resolve(name + "-node.log"));
  }

  /** A JDBC connection to the chaos database as the node's own role (autocommit). */
  Connection connect() throws SQLException {
    JdbcCoordinates c = JdbcCoordinates.fromUri(databaseUrl);
    Connection connection = DriverManager.getConnection(c.url(), c.user(), c.password());
    connection.setAutoCommit(true);
    return connection;
  }

  /** Runs {@code sql} on a connection of its own; the update count. */
  int execute(String sql) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute(sql);
      return s.getUpdateCount();
    }
  }

  /** One number from {@code sql}. */
  long count(String sql) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement(); var rows = s.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  /** {@code pg_ctlcluster <version> <name> stop -m <mode>} ({@code immediate} is a crash). */
  void pgStop(String mode) throws Exception {
    String[] cluster = pgCluster.split("/", 2);
    run(60, "pg_ctlcluster", cluster[0], cluster[1], "stop", "-m", mode);
  }

  void pgStart() throws Exception {
    String[] cluster = pgCluster.split("/", 2);
    run(60, "pg_ctlcluster", cluster[0], cluster[1], "start");
  }

  /** {@code scripts/services.sh <command>} on the chaos services (redis-stop, redis-start, …). */
  void services(String command) throws Exception {
    runWithEnv(60, servicesEnv, "scripts/services.sh", command);
  }

  /** {@code redis-cli -p <port> args…}: its output. */
  String redisCli(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("redis-cli", "-p", Integer.toString(redisPort)));
    command.addAll(List.of(args));
    return run(10, command.toArray(String[]::new));
  }

  static String run(long timeoutSeconds, String... command) throws Exception {
    return runWithEnv(timeoutSeconds, Map.of(), command);
  }

  static String runWithEnv(long timeoutSeconds, Map<String, String> env, String... command) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(String.join(" ", command) + " did not finish within " + timeoutSeconds + " s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output);
    }
    return output;
  }

  private static int freePort() throws IOException {
    try (var socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
