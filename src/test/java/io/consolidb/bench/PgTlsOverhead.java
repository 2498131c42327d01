package io.consolidb.bench;

import io.consolidb.Addresses;
import io.consolidb.config.ConfigLoader;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.restaurant.RestaurantService;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * What verified TLS to PostgreSQL costs ({@code pg_tls_vs_plain}): two in-JVM nodes (query verticle
 * and restaurant service, caching off) on the same PostgreSQL server and database, one connecting
 * with {@code sslmode=verify-full} and the CA, one in plaintext; closed-loop uncached get-by-id
 * through the in-process client, alternating rounds; the ratio is TLS ÷ plain.
 *
 * <p>The server is the TLS cluster of {@code scripts/services.sh}, which accepts plaintext for this
 * benchmark's database alone ({@code BENCH_TLS_DATABASE_URL}; the tests' database there stays TLS
 * only). Its data set is the restaurants of the usual one.
 */
final class PgTlsOverhead {

  private PgTlsOverhead() {
  }

  static Comparison compare(Vertx vertx, Map<String, String> nodeEnv, String url, String caPath, int restaurants,
      int concurrency, long millis, int rounds) throws Exception {
    String plain = url + (url.contains("?") ? "&" : "?") + "sslmode=disable";
    String verified = url + (url.contains("?") ? "&" : "?") + "sslmode=verify-full&sslrootcert=" + caPath;
    Pool loader = PgBuilder.pool().with(new PoolOptions().setMaxSize(4)).connectingTo(PgConnectOptions.fromUri(plain))
        .using(vertx).build();
    try {
      BenchData.ensure(plain, loader, restaurants, 0);
    } finally {
      loader.close();
    }
    ConsolidbNode tlsNode = null;
    ConsolidbNode plainNode = null;
    try {
      tlsNode = start(nodeEnv, verified);
      plainNode = start(nodeEnv, plain);
      Vertx tls = tlsNode.vertx();
      Vertx open = plainNode.vertx();
      RestaurantService tlsProxy = ServiceLatency.sameNode(tlsNode, RestaurantService.class, Addresses.RESTAURANTS);
      RestaurantService plainProxy = ServiceLatency.sameNode(plainNode, RestaurantService.class, Addresses.RESTAURANTS);
      return Comparison.run("pg_tls_vs_plain", "lookups/s",
          "verified_tls", () -> Load.throughput(tls, concurrency, millis, () -> tlsProxy.get(randomId(restaurants))),
          "plaintext", () -> Load.throughput(open, concurrency, millis, () -> plainProxy.get(randomId(restaurants))),
          rounds);
    } finally {
      for (ConsolidbNode node : new ConsolidbNode[] {tlsNode, plainNode}) {
        if (node != null) {
          node.stop().await(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  /**
   * The same lookups by pgbench (libpq and OpenSSL, prepared statements, {@code clients}
   * connections) with {@code sslmode=verify-full} and in plaintext, alternating rounds: what TLS
   * costs this machine when neither client nor server is Java. PostgreSQL's side of TLS runs on
   * the same cores, so this is the reference {@code pg_tls_vs_plain} is read against
   * (docs/BENCHMARKS.md "PostgreSQL over TLS").
   */
  static Comparison pgbenchReference(String url, String caPath, int restaurants, int clients, int seconds,
      int rounds) throws Exception {
    PgConnectOptions db = PgConnectOptions.fromUri(url);
    Path script = Files.createTempFile("lookup", ".sql");
    Files.writeString(script, "\\set id random(1, " + restaurants + ")\nSELECT * FROM restaurants WHERE id = :id;\n");
    try {
      return Comparison.run("pgbench_tls_vs_plain", "lookups/s",
          "verified_tls", () -> pgbench(db, script, clients, seconds, Map.of("PGSSLMODE", "verify-full",
              "PGSSLROOTCERT", caPath)),
          "plaintext", () -> pgbench(db, script, clients, seconds, Map.of("PGSSLMODE", "disable")),
          rounds);
    } finally {
      Files.deleteIfExists(script);
    }
  }

  private static double pgbench(PgConnectOptions db, Path script, int clients, int seconds, Map<String, String> tls)
      throws Exception {
    Map<String, String> env = new HashMap<>(tls);
    env.put("PGPASSWORD", db.getPassword());
    String out = ExternalTools.run(List.of("pgbench", "-n", "-M", "prepared", "-f", script.toString(), "-c",
        Integer.toString(clients), "-j", "2", "-T", Integer.toString(Math.max(seconds, 3)), "-h", db.getHost(), "-p",
        Integer.toString(db.getPort()), "-U", db.getUser(), db.getDatabase()), env, seconds + 60);
    return ExternalTools.pgbenchTps(out);
  }

  private static ConsolidbNode start(Map<String, String> nodeEnv, String url) throws Exception {
    Map<String, String> variables = new HashMap<>(nodeEnv);
    variables.put("DATABASE_URL", url);
    variables.put("DB_CACHE_ENABLED", "false");
    variables.put("HTTP_PORT", "0");
    variables.put("DB_POOL_SIZE", Integer.toString(BenchHarness.POOL_SIZE - BenchHarness.PIPELINED));
    variables.put("DB_POOL_PIPELINED", Integer.toString(BenchHarness.PIPELINED));
    return ServiceLatency.start(ConfigLoader.loadBlocking(variables), EnumSet.of(Component.QUERY, Component.RESTAURANTS));
  }

  private static long randomId(int restaurants) {
    return 1 + ThreadLocalRandom.current().nextLong(restaurants);
  }
}
