package io.consolidb.testsupport;

import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.RedisOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Where the integration tests find PostgreSQL and Redis: real servers, never mocks (README "Tests").
 *
 * <p>Each service is resolved once per JVM, in this order:
 * <ol>
 *   <li>system property, then environment variable {@code TEST_DATABASE_URL} /
 *       {@code TEST_REDIS_URL};</li>
 *   <li>{@code .consolidb/services.env}, written by {@code scripts/services.sh up}, found by
 *       walking up from the working directory (keys {@code TEST_DATABASE_URL};
 *       {@code TEST_REDIS_URL} or {@code REDIS_URL});</li>
 *   <li>Testcontainers ({@code postgres:15} with {@code cube} and {@code earthdistance},
 *       {@code redis:7}) when a Docker engine is available;</li>
 *   <li>otherwise an {@link IllegalStateException} that says how to start them: tests never
 *       skip silently.</li>
 * </ol>
 * The PostgreSQL URL names the test database and its owner, which may create and drop schema
 * objects freely.
 */
public final class TestServices {

  static final String DATABASE_KEY = "TEST_DATABASE_URL";
  static final String REDIS_KEY = "TEST_REDIS_URL";
  static final String TLS_REDIS_KEY = "TEST_TLS_REDIS_URL";
  static final String REDIS_TLS_CA_KEY = "TEST_REDIS_TLS_CA";
  static final String ENV_FILE = ".consolidb/services.env";
  static final String NOT_FOUND_MESSAGE =
      "PostgreSQL/Redis for tests not found: run `scripts/services.sh up`"
          + " (or set TEST_DATABASE_URL and TEST_REDIS_URL)";

  private static final String POSTGRES_IMAGE = "postgres:15";
  private static final String REDIS_IMAGE = "redis:7";
  private static final int CONNECT_TIMEOUT_MS = 5_000;

  private static Endpoints endpoints;
  private static IllegalStateException failure;

  private TestServices() {}

  /** A {@code postgresql://user:password@host:port/database} URI for the test database. */
  public static String databaseUrl() {
    return endpoints().databaseUrl();
  }

  /** Fresh connect options for the test database (a new mutable object on each call). */
  public static PgConnectOptions pgConnectOptions() {
    return PgConnectOptions.fromUri(databaseUrl());
  }

  /** A {@code redis://host:port} URI for the test Redis. */
  public static String redisUrl() {
    return endpoints().redisUrl();
  }

  /** Fresh Redis options with a short connect timeout (the client default is 60 s). */
  public static RedisOptions redisOptions() {
    return new RedisOptions()
        .setConnectionString(redisUrl())
        .setNetClientOptions(new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS));
  }

  /**
   * The TLS Redis with an ACL user ({@code rediss://user:password@127.0.0.1:port}) that
   * {@code scripts/services.sh up} starts beside the plain one: {@code TEST_TLS_REDIS_URL}.
   */
  public static String tlsRedisUrl() {
    return setting(TLS_REDIS_KEY);
  }

  /** The PEM file of the CA that signed the TLS Redis's certificate: {@code TEST_REDIS_TLS_CA}. */
  public static String redisTlsCa() {
    return setting(REDIS_TLS_CA_KEY);
  }

  /** A variable from the system properties, the environment or the env file; never skipped silently. */
  private static String setting(String key) {
    return explicit(key).or(() -> findEnvFile(Path.of("").toAbsolutePath())
        .map(TestServices::readEnvFile).map(values -> values.get(key)))
        .orElseThrow(() -> new IllegalStateException(key + " for tests not found: run `scripts/services.sh up`"
            + " (it starts the TLS Redis and writes " + key + " to " + ENV_FILE + ")"));
  }

  /** Where the endpoints came from: "environment", the env file's path or "testcontainers". */
  public static String source() {
    return endpoints().source();
  }

  private static synchronized Endpoints endpoints() {
    if (endpoints == null && failure == null) {
      try {
        endpoints = resolve();
      } catch (IllegalStateException e) {
        failure = e;
      }
    }
    if (failure != null) {
      throw new IllegalStateException(failure.getMessage(), failure);
    }
    return endpoints;
  }

  /**
   * The benchmark database ({@code BENCH_DATABASE_URL}, which {@code scripts/services.sh up}
   * creates beside the test database), or empty when none is configured.
   */
  public static Optional<String> benchDatabaseUrl() {
    return explicit("BENCH_DATABASE_URL").or(() -> findEnvFile(Path.of("").toAbsolutePath())
        .map(TestServices::readEnvFile).map(values -> values.get("BENCH_DATABASE_URL")));
  }

  /**
   * The TLS-only PostgreSQL of {@code scripts/services.sh up} (cluster {@code tls}), as
   * {@code postgresql://user:password@host:port/database} without {@code sslmode}: the tests add
   * the mode and CA they exercise. Keys {@code TEST_TLS_DATABASE_URL}, {@code TEST_PG_TLS_CA} (the
   * CA that signed its certificate) and {@code TEST_PG_TLS_OTHER_CA} (a CA that did not), read
   * like the others; missing, the test fails saying how to start it.
   */
  public static String tlsDatabaseUrl() {
    return tlsSetting("TEST_TLS_DATABASE_URL");
  }

  /** The CA that signed the TLS PostgreSQL's certificate (a PEM file). */
  public static String tlsCa() {
    return tlsSetting("TEST_PG_TLS_CA");
  }

  /** A CA that signed nothing the TLS PostgreSQL serves (a PEM file). */
  public static String tlsOtherCa() {
    return tlsSetting("TEST_PG_TLS_OTHER_CA");
  }

  /**
   * A setting of the pgBackRest-archived PostgreSQL of {@code scripts/services.sh up} (cluster
   * {@code backup}): {@code TEST_BACKUP_DATABASE_URL}, {@code TEST_PGBACKREST_CONFIG},
   * {@code TEST_PGBACKREST_STANZA}, {@code TEST_BACKUP_PG_CLUSTER}; read like the others; missing,
   * the test fails saying how to start it.
   */
  public static String backupSetting(String key) {
    return extraSetting(key, "`scripts/services.sh up` (or backup-up), which starts the backup cluster");
  }

  /**
   * A setting of the streaming replica of {@code REPLICA=1 scripts/services.sh up} (cluster
   * {@code replica}): {@code TEST_READ_DATABASE_URL}, {@code TEST_REPLICA_PG_CLUSTER}; read like the
   * others; missing, the test fails saying how to start it.
   */
  public static String replicaSetting(String key) {
    return extraSetting(key, "`REPLICA=1 scripts/services.sh up` (or replica-up), which starts the replica");
  }

  /**
   * The test database ({@link #databaseUrl()}) on the replica: the replica replays every database
   * of the primary, so the replica's host and port with the test database's name and credentials.
   */
  public static String readDatabaseUrl() {
    PgConnectOptions replica = PgConnectOptions.fromUri(replicaSetting("TEST_READ_DATABASE_URL"));
    PgConnectOptions primary = pgConnectOptions();
    return "postgresql://" + primary.getUser() + ":" + primary.getPassword() + "@" + replica.getHost() + ":"
        + replica.getPort() + "/" + primary.getDatabase();
  }

  private static String tlsSetting(String key) {
    return extraSetting(key, "`scripts/services.sh up`, which starts the TLS PostgreSQL");
  }

  /** A setting of one of the extra services; missing, the failure says to run {@code howToStart}. */
  private static String extraSetting(String key, String howToStart) {
    return explicit(key).or(() -> findEnvFile(Path.of("").toAbsolutePath())
            .map(TestServices::readEnvFile).map(values -> values.get(key)))
        .orElseThrow(() -> new IllegalStateException(key + " not found: run " + howToStart + " (or set " + key + ")"));
  }

  private static Endpoints resolve() {
    Optional<String> database = explicit(DATABASE_KEY);
    Optional<String> redis = explicit(REDIS_KEY);
    String source = "environment";

    if (database.isEmpty() || redis.isEmpty()) {
      Optional<Path> file = findEnvFile(Path.of("").toAbsolutePath());
      if (file.isPresent()) {
        Map<String, String> values = readEnvFile(file.get());
        database = database.or(() -> Optional.ofNullable(values.get(DATABASE_KEY)));
        redis = redis.or(() -> Optional.ofNullable(values.get(REDIS_KEY)))
            .or(() -> Optional.ofNullable(values.get("REDIS_URL")));
        source = file.get().toString();
      }
    }

    if (database.isEmpty() || redis.isEmpty()) {
      if (!dockerAvailable()) {
        throw new IllegalStateException(NOT_FOUND_MESSAGE);
      }
      database = database.or(() -> Optional.of(startPostgres()));
      redis = redis.or(() -> Optional.of(startRedis()));
      source = "testcontainers";
    }
    return new Endpoints(database.get(), redis.get(), source);
  }

  private static Optional<String> explicit(String key) {
    String value = System.getProperty(key);
    if (value == null || value.isBlank()) {
      value = System.getenv(key);
    }
    return Optional.ofNullable(value).map(String::trim).filter(v -> !v.isEmpty());
  }

  /** The nearest {@value #ENV_FILE} in {@code start} or one of its parents. */
  static Optional<Path> findEnvFile(Path start) {
    for (Path dir = start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve(ENV_FILE);
      if (Files.isRegularFile(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** {@code KEY=value} lines; blank lines, {@code #} comments and surrounding quotes ignored. */
  static Map<String, String> readEnvFile(Path file) {
    Map<String, String> values = new HashMap<>();
    try {
      for (String raw : Files.readAllLines(file)) {
        String line = raw.strip();
        if (line.startsWith("export ")) {
          line = line.substring("export ".length()).strip();
        }
        int eq = line.indexOf('=');
        if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
          continue;
        }
        String value = line.substring(eq + 1).strip();
        if (value.length() >= 2
            && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"))) {
          value = value.substring(1, value.length() - 1);
        }
        values.put(line.substring(0, eq).strip(), value);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    return values;
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      return false;
    }
  }

  // Containers live until the JVM exits; Testcontainers' reaper removes them.
  @SuppressWarnings("resource")
  private static String startPostgres() {
    PostgreSQLContainer postgres = new PostgreSQLContainer(DockerImageName.parse(POSTGRES_IMAGE))
        .withDatabaseName("consolidb_test")
        .withUsername("consolidb")
        .withPassword("consolidb");
    postgres.start();
    // The image ships contrib; its POSTGRES_USER is a superuser, as CREATE EXTENSION needs.
    try (Connection c = DriverManager.getConnection(
            postgres.getJdbcUrl(), postgres.getUsername(), postgres.getPassword());
        Statement s = c.createStatement()) {
      s.execute("CREATE EXTENSION IF NOT EXISTS cube");
      s.execute("CREATE EXTENSION IF NOT EXISTS earthdistance");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot enable cube/earthdistance in the test container", e);
    }
    return "postgresql://%s:%s@%s:%d/%s".formatted(
        postgres.getUsername(), postgres.getPassword(), postgres.getHost(),
        postgres.getMappedPort(5432), postgres.getDatabaseName());
  }

  @SuppressWarnings("resource")
  private static String startRedis() {
    GenericContainer<?> redis =
        new GenericContainer<>(DockerImageName.parse(REDIS_IMAGE)).withExposedPorts(6379);
    redis.start();
    return "redis://%s:%d".formatted(redis.getHost(), redis.getMappedPort(6379));
  }

  private record Endpoints(String databaseUrl, String redisUrl, String source) {}
}
