package io.consolidb.config;

import io.consolidb.schema.JdbcCoordinates;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.SslMode;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.concurrent.TimeUnit;

/**
 * PostgreSQL access settings. The seed's pool variables map as HikariCP/SQLAlchemy users expect:
 * {@code DB_POOL_SIZE + DB_MAX_OVERFLOW} is the pool's max size, {@code DB_POOL_TIMEOUT} the
 * acquire timeout and {@code DB_POOL_RECYCLE} the max connection lifetime.
 *
 * <p>{@code breakerFailures} ({@code DB_BREAKER_FAILURES}): consecutive attempts that could not
 * reach the database (connection refused, the server refusing sessions) that open the circuit
 * breaker; 0 = no breaker. {@code breakerOpenMs} ({@code DB_BREAKER_OPEN_MS}): how long it stays
 * open before a background trial connection.
 *
 * <p>Half-open connections (the peer gone without a FIN or RST) are caught by the application,
 * not by TCP: a pooled connection idle longer than {@code validateIdleMs} answers a
 * {@code SELECT 1} within {@code validationTimeoutMs} before it is used, and a pipelined lookup
 * client idle that long is replaced when nothing answers within {@code validationTimeoutMs}.
 * TCP keepalive stays on as a last resort for connections nobody uses; its timings are the
 * kernel's (Vert.x sets them only on the native epoll transport, which the node does not use;
 * probes reach only idle sockets, and a frozen server's kernel still answers them).
 *
 * <p>TLS ({@link DatabaseTls}): the URL's {@code sslmode} with libpq's meaning, the CA from
 * {@code sslRootCert} ({@code DB_SSL_ROOT_CERT}) or the URL's {@code sslrootcert}. Every pool,
 * connection and JDBC data source is built from {@link #connectOptions()} or
 * {@link #jdbcCoordinates()}, which carry the same TLS options, so none can connect less safely
 * than the others.
 *
 * <p>{@code url} is the URL as both drivers read it: an SQLAlchemy URL of the old Python manager
 * ({@code postgresql+psycopg2://…}) is kept as {@code postgresql://…}, and {@code urlWarning}
 * says so (null for a libpq URL); see {@link DatabaseUrl}.
 */
public record DatabaseSettings(
    String url,
    boolean requireTls,
    DatabaseTls tls,
    int poolSize,
    int maxOverflow,
    double poolTimeoutSeconds,
    int recycleSeconds,
    int maxWaitQueue,
    int pipelinedConnections,
    int validateIdleMs,
    int validationTimeoutMs,
    int queryTimeoutMs,
    int txTimeoutMs,
    int statementTimeoutMs,
    double slowQueryThresholdSeconds,
    boolean echo,
    int retryMaxAttempts,
    int retryInitialBackoffMs,
    int retryMaxBackoffMs,
    boolean migrate,
    boolean seedDemoData,
    int demoRestaurants,
    int breakerFailures,
    int breakerOpenMs,
    String urlWarning,
    ReplicaSettings replicas) {

  /** The name of the node's pool: the {@code pool_name} label of the Vert.x pool metrics. */
  public static final String POOL_NAME = "consolidb";
  /** The {@code pool_name} of the pipelined lookup client. */
  public static final String PIPELINED_NAME = "consolidb-lookups";
  static final int PIPELINING_LIMIT = 256;

  static DatabaseSettings fromJson(ConfigSection db) {
    ConfigSection pool = db.section("pool");
    ConfigSection retry = db.section("retry");
    String given = db.string("url", null);
    if (given == null || given.isBlank()) {
      throw db.invalid("url", "", "must be a postgresql:// URL");
    }
    DatabaseUrl.Normalized normalized = DatabaseUrl.normalize(db, given);
    String url = normalized.url();
    PgConnectOptions parsed = parseUrl(db, url);
    boolean requireTls = db.bool("requireTls", false);
    DatabaseTls tls = DatabaseTls.of(db, parsed, url);
    if (requireTls && !tlsRequired(tls.mode())) {
      throw db.invalid("url", SecretMasker.maskUri(url),
          "TLS is required here: add ?sslmode=verify-full (or verify-ca, require)");
    }
    return new DatabaseSettings(
        url,
        requireTls,
        tls,
        pool.integer("size", 8, 1),
        pool.integer("maxOverflow", 0, 0),
        pool.positive("timeoutSeconds", 10),
        pool.integer("recycleSeconds", 1800, 0),
        pool.integer("maxWaitQueue", 512, 0),
        pool.integer("pipelined", 2, 0),
        pool.integer("validateIdleMs", 1000, 0),
        pool.integer("validationTimeoutMs", 1000, 1),
        db.integer("queryTimeoutMs", 5000, 1),
        db.integer("txTimeoutMs", 15000, 1),
        db.integer("statementTimeoutMs", 30000, 0),
        db.positive("slowQueryThresholdSeconds", 0.5),
        db.bool("echo", false),
        retry.integer("maxAttempts", 3, 1),
        retry.integer("initialBackoffMs", 20, 0),
        retry.integer("maxBackoffMs", 500, 0),
        db.bool("migrate", true),
        db.bool("seedDemoData", false),
        db.integer("demoRestaurants", 10000, 0),
        db.section("breaker").integer("failures", 5, 0),
        db.section("breaker").integer("openMs", 2000, 1),
        normalized.warning(),
        ReplicaSettings.fromJson(db, requireTls, parsed.getDatabase()));
  }

  private static PgConnectOptions parseUrl(ConfigSection db, String url) {
    return parseUrl(db, "url", url);
  }

  /** {@code url} (the value of {@code key} in {@code db}) as connect options, or the reason it is no URL of a database. */
  static PgConnectOptions parseUrl(ConfigSection db, String key, String url) {
    String masked = SecretMasker.maskUri(url);
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (RuntimeException e) {
      if (!DatabaseTls.knownMode(url)) {
        throw db.invalid(key, masked,
            "sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full");
      }
      throw db.invalid(key, masked, "is not a valid PostgreSQL connection URL");
    }
    if (options.getHost() == null || options.getHost().isBlank() || options.getDatabase() == null
        || options.getDatabase().isBlank()) {
      throw db.invalid(key, masked, "must name a host and a database");
    }
    return options;
  }

  static boolean tlsRequired(SslMode mode) {
    return mode == SslMode.REQUIRE || mode == SslMode.VERIFY_CA || mode == SslMode.VERIFY_FULL;
  }

  /** The URL with its password masked: the only form that may be logged or shown. */
  public String maskedUrl() {
    return SecretMasker.maskUri(url);
  }

  /**
   * Fresh connect options: TLS as {@link #tls()} says, prepared-statement cache on, server-side
   * statement timeout as a backstop. The one source of every pool's and connection's options.
   */
  public PgConnectOptions connectOptions() {
    return connectOptions(url, tls);
  }

  /** {@link #connectOptions()} for one of the read replicas: its URL and TLS, the same rest. */
  public PgConnectOptions connectOptions(ReplicaSettings.Replica replica) {
    return connectOptions(replica.url(), replica.tls());
  }

  private PgConnectOptions connectOptions(String url, DatabaseTls tls) {
    PgConnectOptions options = tls.applyTo(PgConnectOptions.fromUri(url), connectTimeoutMs())
        .setCachePreparedStatements(true)
        .setPreparedStatementCacheMaxSize(512);
    if (statementTimeoutMs > 0) {
      options.addProperty("statement_timeout", Integer.toString(statementTimeoutMs));
    }
    options.addProperty("application_name", "consolidb");
    return options;
  }

  /**
   * Where Flyway (pgjdbc) connects: the URL's host, database and credentials with the same TLS
   * mode and CA as {@link #connectOptions()}.
   */
  public JdbcCoordinates jdbcCoordinates() {
    return JdbcCoordinates.fromUri(url).withParameters(tls.jdbcParameters());
  }

  /** Transport options: a connect attempt gives up quickly so an unreachable database fails fast. */
  public NetClientOptions netClientOptions() {
    return new NetClientOptions()
        .setConnectTimeout(connectTimeoutMs())
        .setTcpNoDelay(true)
        .setTcpKeepAlive(true);
  }

  /**
   * A pool of one connection to the primary with every pool's transport and connect options, for
   * one-off work: the breaker's trial, the demo data, the commands, a backup's record. The caller
   * closes it.
   */
  public Pool singleConnectionPool(Vertx vertx) {
    return PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).with(netClientOptions())
        .connectingTo(connectOptions()).using(vertx).build();
  }

  /**
   * A TCP connect, and then a TLS handshake, each give up after this: half the pool's acquire
   * timeout (0.5 to 5 s), so that a database that drops packets is reported as unreachable (503,
   * counted by the breaker) before the caller's wait for a connection ends as 429.
   */
  int connectTimeoutMs() {
    return Math.max(500, (int) Math.min(poolTimeoutSeconds * 500, 5_000));
  }

  public PoolOptions poolOptions() {
    return poolOptions(POOL_NAME, poolSize + maxOverflow);
  }

  /**
   * The client for lookups (short reads: a row by its key), pipelined over
   * {@link #pipelinedConnections} connections of their own: up to {@value #PIPELINING_LIMIT}
   * statements in flight on each instead of one. Named {@value #PIPELINED_NAME} in the pool metrics.
   */
  public PoolOptions pipelinedOptions() {
    return poolOptions(PIPELINED_NAME, pipelinedConnections);
  }

  /** The pool of one read replica, named {@code consolidb-replica-<host:port>} in the pool metrics. */
  public PoolOptions replicaPoolOptions(ReplicaSettings.Replica replica) {
    return poolOptions(POOL_NAME + "-replica-" + replica.name(), replicas.poolSize());
  }

  /** Same wait queue, acquire timeout and recycling for the pool and the lookup client. */
  private PoolOptions poolOptions(String name, int maxSize) {
    PoolOptions options = new PoolOptions()
        .setName(name)
        .setMaxSize(maxSize)
        .setMaxWaitQueueSize(maxWaitQueue)
        .setConnectionTimeout((int) Math.ceil(poolTimeoutSeconds * 1000))
        .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
    if (recycleSeconds > 0) {
      options.setMaxLifetime(recycleSeconds).setMaxLifetimeUnit(TimeUnit.SECONDS);
    }
    return options;
  }

  /** Connect options of the lookup client: as {@link #connectOptions()}, pipelined. */
  public PgConnectOptions pipelinedConnectOptions() {
    return connectOptions().setPipeliningLimit(PIPELINING_LIMIT);
  }

  /**
   * How long an idle connection's check may take: {@code validationTimeoutMs}, but at most half
   * the query timeout, so a request that meets a dead connection still has time for a new one.
   */
  public long idleCheckTimeoutMs() {
    return Math.max(1, Math.min(validationTimeoutMs, queryTimeoutMs / 2));
  }

  public long slowQueryThresholdMs() {
    return Math.round(slowQueryThresholdSeconds * 1000);
  }
}
