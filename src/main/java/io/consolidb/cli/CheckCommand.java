package io.consolidb.cli;

import io.consolidb.config.NodeSettings;
import io.consolidb.config.RedisFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Validates the configuration and reaches every dependency, printing what it found: the
 * environment validation step to run before a deployment or a migration. Then compares the
 * database's schema with what the migrations make ({@link SchemaCheck}). Exit 0 when all is well.
 */
@Command(name = "check", description = "Validate configuration, connect to PostgreSQL and Redis, report.")
public final class CheckCommand implements Callable<Integer> {

  private static final long TIMEOUT_MS = 5000;

  @Mixin
  ConfigOptions config = new ConfigOptions();

  @Option(names = "--skip-schema", description = "Do not compare the schema with what the migrations make.")
  boolean skipSchema;

  private final PrintStream out = System.out;

  @Override
  public Integer call() {
    Vertx vertx = Vertx.vertx();
    try {
      NodeSettings settings = config.load(Map.of());
      if (settings == null) {
        return ConfigOptions.INVALID_CONFIG;
      }
      out.println("config      OK   environment=" + settings.environment().fileName()
          + " http.port=" + settings.http().port() + " pool.maxSize=" + settings.database().poolOptions().getMaxSize()
          + " cache=" + (settings.cache().enabled() ? "on ttl=" + settings.cache().ttlSeconds() + "s" : "off"));
      boolean postgres = checkPostgres(vertx, settings);
      int schema = postgres && !skipSchema ? new SchemaCheck(out).run(settings.database()) : 0;
      boolean redis = checkRedis(vertx, settings);
      if (!postgres || !redis) {
        return ConfigOptions.DEPENDENCY_FAILED;
      }
      return schema;
    } finally {
      closeQuietly(vertx);
    }
  }

  private boolean checkPostgres(Vertx vertx, NodeSettings settings) {
    String where = settings.database().maskedUrl();
    Pool pool = settings.database().singleConnectionPool(vertx);
    long started = System.nanoTime();
    try {
      Row row = pool.query("SELECT current_setting('server_version') AS version, current_user AS role,"
              + " current_database() AS db, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS tls,"
              + " (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension) AS extensions,"
              + " to_regclass('flyway_schema_history') IS NOT NULL AS migrated")
          .execute().await(TIMEOUT_MS, TimeUnit.MILLISECONDS).iterator().next();
      long ms = (System.nanoTime() - started) / 1_000_000;
      String schema = row.getBoolean("migrated") ? schemaVersion(pool) : "not migrated yet";
      out.println("postgresql  OK   " + where + " server " + row.getString("version") + " role="
          + row.getString("role") + " tls=" + row.getBoolean("tls") + " extensions=" + row.getString("extensions")
          + " schema=" + schema + " (" + ms + " ms)");
      return true;
    } catch (Exception e) {
      out.println("postgresql  FAIL " + where + ": "
          + settings.database().tls().explain(e).orElseGet(() -> reason(e)));
      return false;
    } finally {
      pool.close();
    }
  }

  private static String schemaVersion(Pool pool) throws Exception {
    Row row = pool.query("SELECT max(version::int) AS v FROM flyway_schema_history WHERE success")
        .execute().await(TIMEOUT_MS, TimeUnit.MILLISECONDS).iterator().next();
    return "V" + row.getValue("v");
  }

  private boolean checkRedis(Vertx vertx, NodeSettings settings) {
    String where = settings.redis().maskedUrl();
    if (!settings.redis().enabled()) {
      out.println("redis       SKIP disabled (REDIS_ENABLED=false)");
      return true;
    }
    Redis client = Redis.createClient(vertx, settings.redis().redisOptions());
    long started = System.nanoTime();
    try {
      RedisAPI api = RedisAPI.api(client);
      Future<String> info = api.ping(List.of()).compose(pong -> api.info(List.of("server")))
          .map(response -> response.toString().lines().filter(l -> l.startsWith("redis_version:"))
              .findFirst().orElse("redis_version:?").substring("redis_version:".length()).trim());
      String version = info.await(Math.max(TIMEOUT_MS, settings.redis().timeoutMs()), TimeUnit.MILLISECONDS);
      long ms = (System.nanoTime() - started) / 1_000_000;
      out.println("redis       OK   " + where + " server " + version + " tls="
          + (settings.redis().tls() ? "verified" : "off") + " (" + ms + " ms)");
      return true;
    } catch (Throwable e) { // the driver fails with Redis errors that are Throwables, not Exceptions
      if (e instanceof Error error) {
        throw error;
      }
      out.println("redis       FAIL " + where + ": " + RedisFailure.describe(settings.redis(), e));
      return false;
    } finally {
      client.close();
    }
  }

  private static String reason(Exception e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return io.consolidb.config.SecretMasker.maskText(message);
  }

  /** Closing is bounded too: a check must end even when a connection will not close. */
  private static void closeQuietly(Vertx vertx) {
    try {
      vertx.close().await(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (Exception ignored) {
      // the process exits next; nothing is left to release
    }
  }
}
