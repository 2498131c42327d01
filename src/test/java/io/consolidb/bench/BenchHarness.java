package io.consolidb.bench;

import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.schema.RestaurantQueries;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.ServerSocket;
import java.net.URI;
import java.util.function.LongFunction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark harness behind {@code scripts/bench.sh}: loads the fixed data set, starts the node
 * from the fat jar with the Kubernetes JVM flags, runs every comparison with both sides
 * alternating in the same run, and writes {@code report.json} and {@code report.md}.
 *
 * <p>Arguments: {@code --mode quick|full|smoke}, {@code --out DIR}, {@code --jar PATH}. Services
 * come from {@code BENCH_DATABASE_URL} and {@code REDIS_URL}. Smoke mode (tiny data, one-second
 * rounds, the node in this JVM) only proves the report is well formed.
 */
public final class BenchHarness {

  /** Sizes and durations per mode. */
  record Mode(String name, int restaurants, int events, int roundSeconds, int rounds, boolean externalNode) {
    static Mode of(String name) {
      return switch (name) {
        case "full" -> new Mode(name, 100_000, 1_000_000, 10, 5, true);
        case "quick" -> new Mode(name, 100_000, 200_000, 4, 3, true);
        case "smoke" -> new Mode(name, 2_000, 10_000, 1, 1, false);
        default -> throw new IllegalArgumentException("--mode must be quick, full or smoke: " + name);
      };
    }
  }

  static final int CONCURRENCY = 32;
  static final int POOL_SIZE = 8;
  static final int WRK_CONNECTIONS = 64;

  private BenchHarness() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    Report report = run(Mode.of(options.getOrDefault("mode", "quick")), Path.of(options.getOrDefault("out", "target/bench")),
        Path.of(options.getOrDefault("jar", "target/consolidb.jar")), System.getenv());
    System.out.println(report.markdown());
    System.exit(0);
  }

  static Report run(Mode mode, Path out, Path jar, Map<String, String> env) throws Exception {
    String databaseUrl = require(env, "BENCH_DATABASE_URL");
    String redisUrl = env.getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");
    String jvmFlags = manifestJvmFlags();
    Report report = new Report(mode.name(), jvmFlags);
    Files.createDirectories(out);

    Map<String, String> nodeEnv = new HashMap<>(Map.of("CONSOLIDB_ENV", "staging", "DATABASE_URL", databaseUrl,
        "REDIS_URL", redisUrl, "DB_POOL_SIZE", Integer.toString(POOL_SIZE), "DB_ECHO", "false",
        "DB_SEED_DEMO_DATA", "false", "DB_MIGRATE", "false"));

    Vertx vertx = Vertx.vertx();
    Pool direct = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(POOL_SIZE).setName("bench-direct"))
        .connectingTo(PgConnectOptions.fromUri(databaseUrl).setCachePreparedStatements(true)).using(vertx).build();
    try {
      BenchData.ensure(databaseUrl, direct, mode.restaurants(), mode.events());
      ExternalTools.PgTarget pg = pgTarget(databaseUrl);
      boolean pgbench = ExternalTools.available("pgbench");
      if (pgbench) {
        ExternalTools.pgbenchInit(pg, mode.name().equals("smoke") ? 1 : 10);
      }
      inJvmScenarios(mode, report, nodeEnv, direct, pg, pgbench);
      httpScenarios(mode, report, nodeEnv, jar, out);
    } finally {
      direct.close();
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    report.notMeasured("cache_speedup_local", "the cache tier (issue 3) is not on main yet");
    report.notMeasured("cache_speedup_report", "the cache tier (issue 3) and analytics reports (issue 6) are not on main yet");
    report.notMeasured("cache_speedup_redis", "the cache tier (issue 3) is not on main yet");
    report.notMeasured("ingest_http_vs_direct", "the analytics batch endpoint (issue 6) is not on main yet");
    report.notMeasured("metrics_on_vs_off", "query metrics (issue 5) are not on main yet");
    report.write(out);
    return report;
  }

  /** Uncached get-by-id: through the service proxy and query verticle vs a plain pool vs pgbench. */
  private static void inJvmScenarios(Mode mode, Report report, Map<String, String> nodeEnv, Pool direct,
      ExternalTools.PgTarget pg, boolean pgbench) throws Exception {
    Map<String, String> variables = new HashMap<>(nodeEnv);
    variables.put("DB_CACHE_ENABLED", "false");
    variables.put("HTTP_PORT", "0");
    NodeSettings settings = ConfigLoader.loadBlocking(variables);
    Vertx node = ConsolidbNode.createVertx(settings).await(60, TimeUnit.SECONDS);
    try {
      ConsolidbNode.deploy(node, settings, EnumSet.of(Component.QUERY, Component.RESTAURANTS)).await(60, TimeUnit.SECONDS);
      RestaurantService proxy = RestaurantService.createProxy(node, 10_000);
      int n = mode.restaurants();
      long millis = mode.roundSeconds() * 1000L;
      Pool pool = direct;
      Comparison proxyVsDirect = Comparison.run("proxy_vs_direct", "lookups/s",
          "proxy", () -> Load.throughput(node, CONCURRENCY, millis, () -> proxy.get(randomId(n))),
          "direct_pool", () -> Load.throughput(node, CONCURRENCY, millis,
              () -> pool.preparedQuery(RestaurantQueries.BY_ID).execute(Tuple.of(randomId(n)))),
          mode.rounds());
      report.ratio("proxy_vs_direct", proxyVsDirect);
      if (pgbench) {
        Comparison proxyVsPgbench = Comparison.run("proxy_vs_pgbench", "lookups/s",
            "proxy", () -> Load.throughput(node, CONCURRENCY, millis, () -> proxy.get(randomId(n))),
            "pgbench", () -> ExternalTools.pgbenchSelect(pg, CONCURRENCY, mode.roundSeconds()),
            mode.rounds());
        report.ratio("proxy_vs_pgbench", proxyVsPgbench);
      } else {
        report.notMeasured("proxy_vs_pgbench", "pgbench not installed");
      }
    } finally {
      node.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** wrk against the node process: a restaurant by id vs the liveness probe of the same node. */
  private static void httpScenarios(Mode mode, Report report, Map<String, String> nodeEnv, Path jar, Path out)
      throws Exception {
    if (!mode.externalNode() || !Files.exists(jar)) {
      report.notMeasured("http_cached_vs_live", mode.externalNode() ? "no jar at " + jar : "smoke mode runs no node process");
      return;
    }
    try (NodeProcess node = NodeProcess.start(jar, manifestJvmFlags(), freePort(), nodeEnv, out.resolve("node.log"))) {
      if (!ExternalTools.available("wrk")) {
        report.notMeasured("http_cached_vs_live", "wrk not installed");
      } else {
        String restaurant = node.url("/api/v1/restaurants/42");
        Comparison http = Comparison.run("http_cached_vs_live", "requests/s",
            "restaurant_by_id", () -> ExternalTools.wrk(restaurant, WRK_CONNECTIONS, mode.roundSeconds()),
            "health_live", () -> ExternalTools.wrk(node.url("/health/live"), WRK_CONNECTIONS, mode.roundSeconds()),
            mode.rounds());
        report.ratio("http_cached_vs_live", http);
        latencyAtHalfMaximum(mode, report, node);
      }
      report.rss(node.peakRssMib());
    }
  }

  /**
   * p50/p99 of cached reads (one hot restaurant) and uncached reads (the radius query around a
   * point that moves with every request, so no two requests share a cache key) at half of the
   * throughput wrk measured for each.
   */
  private static void latencyAtHalfMaximum(Mode mode, Report report, NodeProcess node) throws Exception {
    URI base = URI.create(node.url("/"));
    int seconds = Math.max(3, mode.roundSeconds());
    double cachedMax = ExternalTools.wrk(node.url("/api/v1/restaurants/42"), WRK_CONNECTIONS, mode.roundSeconds());
    double[] cached = OpenLoop.latencies(base.getHost(), base.getPort(), (int) (cachedMax / 2), seconds,
        i -> "/api/v1/restaurants/42");
    report.latency("cached_read", cached[0], cached[1]);
    LongFunction<String> uncachedPath = i -> String.format(java.util.Locale.ROOT,
        "/api/v1/restaurants?lat=%.5f&lng=-74.0060&radius_km=2&limit=20", 40.60 + (i % 20_000) * 0.00001);
    String probe = node.url(uncachedPath.apply(0));
    double uncachedMax = ExternalTools.wrk(probe, WRK_CONNECTIONS, mode.roundSeconds());
    double[] uncached = OpenLoop.latencies(base.getHost(), base.getPort(), (int) Math.max(1, uncachedMax / 2),
        seconds, uncachedPath);
    report.latency("uncached_read", uncached[0], uncached[1]);
    report.detail("latency_rates", new JsonObject().put("cached_rps", (int) (cachedMax / 2))
        .put("uncached_rps", (int) Math.max(1, uncachedMax / 2)));
  }

  /** The JVM flags the Kubernetes Deployment gives the node (one source of truth). */
  static String manifestJvmFlags() throws Exception {
    String deployment = Files.readString(Path.of("k8s", "deployment.yaml"));
    Matcher m = Pattern.compile("name: JAVA_TOOL_OPTIONS\\s+value: \"(-Xms[^\"]+)\"").matcher(deployment);
    if (!m.find()) {
      throw new IllegalStateException("k8s/deployment.yaml has no JAVA_TOOL_OPTIONS for the node container");
    }
    return m.group(1);
  }

  private static long randomId(int n) {
    return 1 + ThreadLocalRandom.current().nextInt(n);
  }

  private static ExternalTools.PgTarget pgTarget(String url) {
    PgConnectOptions o = PgConnectOptions.fromUri(url);
    return new ExternalTools.PgTarget(o.getHost(), o.getPort(), o.getUser(), o.getPassword(), o.getDatabase());
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static String require(Map<String, String> env, String name) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException(name + " is not set: run scripts/bench.sh (it brings the services up)");
    }
    return value;
  }

  private static Map<String, String> options(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--quick") || args[i].equals("--full") || args[i].equals("--smoke")) {
        options.put("mode", args[i].substring(2));
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        options.put(args[i].substring(2), args[++i]);
      }
    }
    return options;
  }

  static JsonObject readReport(Path dir) throws Exception {
    return new JsonObject(Files.readString(dir.resolve("report.json")));
  }
}
