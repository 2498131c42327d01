package io.consolidb.bench;

import io.consolidb.Addresses;
import io.consolidb.analytics.AnalyticsService;
import io.consolidb.config.ConfigLoader;
import io.consolidb.config.NodeSettings;
import io.consolidb.node.ConsolidbNode;
import io.consolidb.node.ConsolidbNode.Component;
import io.consolidb.restaurant.RestaurantService;
import io.consolidb.restaurant.impl.RestaurantSqlForBenchmarks;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

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
        case "scale" -> new Mode(name, ScaleScenarios.LARGE_RESTAURANTS, ScaleScenarios.LARGE_EVENTS, 10, 5, true);
        default -> throw new IllegalArgumentException("--mode must be quick, full, scale or smoke: " + name);
      };
    }
  }

  static final int CONCURRENCY = 32;
  /** Why the smoke run (one minute, in this JVM) leaves out the groups that start nodes of their own. */
  private static final String SMOKE_SKIPS = "smoke mode starts no node process or cluster";
  static final int POOL_SIZE = 8;
  static final int PIPELINED = 2;
  static final int WRK_CONNECTIONS = 64;

  private BenchHarness() {
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> options = options(args);
    Report report = run(Mode.of(options.getOrDefault("mode", "quick")), Path.of(options.getOrDefault("out", "target/bench")),
        Path.of(options.getOrDefault("jar", "target/consolidb.jar")), System.getenv());
    System.out.println(report.markdown());
    List<String> problems = Report.problems(report.toJson());
    if (!problems.isEmpty()) {
      System.err.println("the report is malformed:\n  " + String.join("\n  ", problems));
      System.exit(1);
    }
    System.exit(0);
  }

  static Report run(Mode mode, Path out, Path jar, Map<String, String> env) throws Exception {
    String databaseUrl = require(env, "BENCH_DATABASE_URL");
    String redisUrl = env.getOrDefault("REDIS_URL", "redis://127.0.0.1:6379");
    String jvmFlags = manifestJvmFlags();
    Report report = new Report(mode.name(), jvmFlags);
    String only = env.get("BENCH_ONLY");
    if (only != null && !only.isBlank()) {
      report.only(only);
    }
    report.detail("node_env_from_manifest", new JsonObject(new LinkedHashMap<>(manifestEnv())));
    Files.createDirectories(out);

    // Every Redis key of this run lives under its own prefix (Redis is shared: no FLUSH, ever),
    // deleted at the end; a fresh prefix also means no value cached by an earlier run is served.
    String redisPrefix = "consolidb-bench:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    Map<String, String> nodeEnv = new HashMap<>(Map.of("CONSOLIDB_ENV", "staging", "DATABASE_URL", databaseUrl,
        "REDIS_URL", redisUrl, "DB_POOL_SIZE", Integer.toString(POOL_SIZE), "DB_ECHO", "false",
        "DB_SEED_DEMO_DATA", "false", "DB_MIGRATE", "false", "DB_CACHE_KEY_PREFIX", redisPrefix));
    // Writes (the ingestion scenario's POSTs) need a token; a fresh one per run.
    String apiToken = "bench-" + UUID.randomUUID();
    nodeEnv.put("API_TOKEN", apiToken);

    Vertx vertx = Vertx.vertx();
    Pool direct = PgBuilder.pool().with(new io.vertx.sqlclient.PoolOptions().setMaxSize(POOL_SIZE).setName("bench-direct"))
        .connectingTo(PgConnectOptions.fromUri(databaseUrl).setCachePreparedStatements(true)).using(vertx).build();
    try {
      if (mode.name().equals("scale")) {
        ScaleScenarios.run(mode, report, nodeEnv, vertx, databaseUrl, require(env, "SCALE_DATABASE_URL"));
        report.write(out);
        return report;
      }
      BenchData.ensure(databaseUrl, direct, mode.restaurants(), mode.events());
      ExternalTools.PgTarget pg = pgTarget(databaseUrl);
      // pgbench (and its table init) only for the groups that compare with it
      boolean pgbench = (selected("in_jvm") || selected("http")) && ExternalTools.available("pgbench");
      if (pgbench) {
        ExternalTools.pgbenchInit(pg, mode.name().equals("smoke") ? 1 : 10);
      }
      if (selected("in_jvm")) {
        inJvmScenarios(mode, report, nodeEnv, direct, pg, pgbench);
      }
      if (selected("cache")) {
        cacheScenarios(mode, report, nodeEnv);
      }
      if (selected("report")) {
        reportCacheScenario(mode, report, nodeEnv, direct);
      }
      if (selected("metrics")) {
        metricsScenario(mode, report, nodeEnv);
      }
      if (selected("tracing")) {
        tracingScenario(mode, report, nodeEnv, vertx);
      }
      if (selected("warm") && mode.externalNode()) { // nine node starts: not in the smoke run's minute
        WarmRestart.run(mode, report, nodeEnv, redisUrl);
      } else if (selected("warm")) {
        report.notMeasured("warm_restart_p99", SMOKE_SKIPS);
      }
      if (selected("cluster") && mode.externalNode()) { // two clustered nodes: not in the smoke run's minute
        report.ratio("cluster_remote_vs_local", ClusterCallOverhead.compare(nodeEnv, CONCURRENCY,
            mode.roundSeconds() * 1000L, mode.rounds(), mode.restaurants()));
      } else if (selected("cluster")) {
        report.notMeasured("cluster_remote_vs_local", SMOKE_SKIPS);
      }
      if (selected("http")) {
        httpScenarios(mode, report, nodeEnv, jar, out, vertx, direct, pg, pgbench, apiToken);
      }
      if (selected("overload")) {
        overloadScenario(mode, report, nodeEnv, jar, out, direct);
      }
      if (selected("pg_tls")) {
        String tlsUrl = env.get("BENCH_TLS_DATABASE_URL");
        String ca = env.get("TEST_PG_TLS_CA");
        if (tlsUrl == null || ca == null) {
          report.notMeasured("pg_tls_vs_plain", "BENCH_TLS_DATABASE_URL or TEST_PG_TLS_CA not set (scripts/services.sh up)");
        } else {
          report.ratio("pg_tls_vs_plain", PgTlsOverhead.compare(vertx, nodeEnv, tlsUrl, ca, mode.restaurants(),
              CONCURRENCY, mode.roundSeconds() * 1000L, mode.rounds()));
          if (ExternalTools.available("pgbench")) {
            report.detail("pgbench_tls_vs_plain", PgTlsOverhead.pgbenchReference(tlsUrl, ca, mode.restaurants(),
                CONCURRENCY, mode.roundSeconds(), mode.rounds()).toJson());
          }
        }
      }
      if (selected("startup") && mode.externalNode()) {
        Map<String, String> processEnv = new HashMap<>(manifestEnv());
        processEnv.putAll(nodeEnv);
        // A cache of its own: the hot list the earlier groups of this run left in Redis would make
        // each start warm their keys first (about 0.2 s of cold-JVM queries, docs/BENCHMARKS.md),
        // so the figure would depend on which groups ran before; the warm-up is warm_restart_p99's.
        processEnv.put("DB_CACHE_KEY_PREFIX", redisPrefix + "startup:");
        Comparison startup = StartupTime.compare(jar, manifestJvmFlags(), processEnv, out, mode.rounds());
        report.ratio("start_to_ready_cds_speedup", startup);
        report.detail("start_to_ready_s", new JsonObject().put("with_archive", Samples.round(startup.b.median()))
            .put("without_archive", Samples.round(startup.a.median())));
      } else if (selected("startup")) {
        report.notMeasured("start_to_ready_cds_speedup", SMOKE_SKIPS);
      }
    } finally {
      // Whatever an interrupted ingestion round left behind goes, so the event count stays the data set's.
      try {
        Ingestion.cleanUp(direct);
      } catch (Exception e) {
        System.err.println("could not remove the ingestion window's events: " + e);
      }
      direct.close();
      vertx.close().await(30, TimeUnit.SECONDS);
      ServiceLatency.deleteKeys(redisUrl, redisPrefix);
    }
    report.write(out);
    return report;
  }

  /**
   * Whether a group of scenarios runs: all by default;
   * {@code BENCH_ONLY=in_jvm,cache,report,metrics,tracing,warm,cluster,http,overload,pg_tls,startup} (a comma list) runs
   * those alone, for working on one ratio. The report then lacks the others (and says so: {@code only}).
   */
  private static boolean selected(String group) {
    String only = System.getenv("BENCH_ONLY");
    return only == null || only.isBlank() || List.of(only.split(",")).contains(group);
  }

  /**
   * Uncached get-by-id: through the node's in-process client (as its HTTP API calls it) and the
   * query verticle's pipelined lookups vs a plain pool vs pgbench.
   * The node has as many connections as the plain pool: {@value #POOL_SIZE} − {@value #PIPELINED}
   * pooled and {@value #PIPELINED} for its pipelined lookups (get-by-id is one).
   */
  private static void inJvmScenarios(Mode mode, Report report, Map<String, String> nodeEnv, Pool direct,
      ExternalTools.PgTarget pg, boolean pgbench) throws Exception {
    Map<String, String> variables = new HashMap<>(nodeEnv);
    variables.put("DB_CACHE_ENABLED", "false");
    variables.put("HTTP_PORT", "0");
    variables.put("DB_POOL_SIZE", Integer.toString(POOL_SIZE - PIPELINED));
    variables.put("DB_POOL_PIPELINED", Integer.toString(PIPELINED));
    NodeSettings settings = ConfigLoader.loadBlocking(variables);
    ConsolidbNode started = ServiceLatency.start(settings, EnumSet.of(Component.QUERY, Component.RESTAURANTS));
    Vertx node = started.vertx();
    try {
      RestaurantService proxy = ServiceLatency.sameNode(started, RestaurantService.class, Addresses.RESTAURANTS);
      int n = mode.restaurants();
      long millis = mode.roundSeconds() * 1000L;
      Pool pool = direct;
      Comparison proxyVsDirect = Comparison.run("proxy_vs_direct", "lookups/s",
          "proxy", () -> Load.throughput(node, CONCURRENCY, millis, () -> proxy.get(randomId(n))),
          "direct_pool", () -> Load.throughput(node, CONCURRENCY, millis,
              () -> pool.preparedQuery(RestaurantSqlForBenchmarks.BY_ID).execute(Tuple.of(randomId(n)))),
          mode.rounds());
      report.ratio("proxy_vs_direct", proxyVsDirect);
      // The same lookups on a bare pipelined client built as the node builds its own: what the
      // service layer (event-bus codec, timeouts, metrics, mapping) costs on top of the driver.
      io.vertx.sqlclient.SqlClient pipelined = PgBuilder.client().with(settings.database().pipelinedOptions())
          .connectingTo(settings.database().pipelinedConnectOptions()).using(node).build();
      try {
        Comparison proxyVsPipelined = Comparison.run("proxy_vs_pipelined", "lookups/s",
            "proxy", () -> Load.throughput(node, CONCURRENCY, millis, () -> proxy.get(randomId(n))),
            "bare_pipelined", () -> Load.throughput(node, CONCURRENCY, millis,
                () -> pipelined.preparedQuery(RestaurantSqlForBenchmarks.BY_ID).execute(Tuple.of(randomId(n)))),
            mode.rounds());
        report.ratio("proxy_vs_pipelined", proxyVsPipelined);
      } finally {
        pipelined.close();
      }
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
      started.stop().await(30, TimeUnit.SECONDS);
    }
  }

  /**
   * The radius query at one request in flight through the node's in-process client (as its HTTP
   * API calls it), on three in-JVM nodes alive side by side and measured in rotating rounds: caching off (every call runs the query on
   * PostgreSQL; the same point each time, so PostgreSQL's own buffers are warm, as they would be
   * for a popular query), local tier on (every call a local hit), and local tier off with Redis
   * (every call a Redis hit), plus the local-tier node through {@code createProxy} (the
   * event-bus hop, reported as a detail; its answers carry no cache outcome). Each round takes the p50 of a batch of calls; every
   * answer's cache mark is checked (none / HIT / HIT / HIT). The ratios are uncached ÷ cached of
   * the median p50s. On the node without a cache, the same rounds also read the deepest full page
   * of a city by number and by cursor ({@link DeepCityPage}; a detail, by number ÷ by cursor).
   */
  private static void cacheScenarios(Mode mode, Report report, Map<String, String> nodeEnv) throws Exception {
    Map<String, String> uncached = new HashMap<>(nodeEnv);
    uncached.put("DB_CACHE_ENABLED", "false");
    Map<String, String> local = new HashMap<>(nodeEnv);
    local.put("DB_CACHE_ENABLED", "true");
    local.put("DB_CACHE_LOCAL_ENABLED", "true");
    Map<String, String> redis = new HashMap<>(local);
    redis.put("DB_CACHE_LOCAL_ENABLED", "false");
    int uncachedCalls = 250 * mode.roundSeconds();
    int localCalls = 2500 * mode.roundSeconds();
    int redisCalls = 1000 * mode.roundSeconds();
    ConsolidbNode uncachedNode = null;
    ConsolidbNode localNode = null;
    ConsolidbNode redisNode = null;
    try {
      uncachedNode = RadiusLatency.start(ConfigLoader.loadBlocking(uncached));
      localNode = RadiusLatency.start(ConfigLoader.loadBlocking(local));
      redisNode = RadiusLatency.start(ConfigLoader.loadBlocking(redis));
      Vertx uncachedVertx = uncachedNode.vertx();
      Vertx localVertx = localNode.vertx();
      Vertx redisVertx = redisNode.vertx();
      RestaurantService uncachedProxy = ServiceLatency.sameNode(uncachedNode, RestaurantService.class, Addresses.RESTAURANTS);
      RestaurantService localProxy = ServiceLatency.sameNode(localNode, RestaurantService.class, Addresses.RESTAURANTS);
      RestaurantService redisProxy = ServiceLatency.sameNode(redisNode, RestaurantService.class, Addresses.RESTAURANTS);
      // what a caller pays over the event bus: the hop, and no cache outcome with the answer
      RestaurantService localOverBus = RestaurantService.createProxy(localVertx, 10_000);
      // The first call on each caching node is the one miss that fills the cache (and Redis).
      localProxy.near(RadiusLatency.LAT, RadiusLatency.LNG, RadiusLatency.RADIUS_KM, RadiusLatency.LIMIT)
          .await(10, TimeUnit.SECONDS);
      redisProxy.near(RadiusLatency.LAT, RadiusLatency.LNG, RadiusLatency.RADIUS_KM, RadiusLatency.LIMIT)
          .await(10, TimeUnit.SECONDS);
      JsonObject p99 = new JsonObject();
      Map<String, java.util.concurrent.Callable<Double>> sides = new LinkedHashMap<>();
      sides.put("uncached", () -> p50(RadiusLatency.measure(uncachedVertx, uncachedProxy, uncachedCalls, null), "uncached", p99));
      sides.put("uncached_filtered", () -> p50(RadiusLatency.measure(uncachedVertx, uncachedProxy, uncachedCalls, null,
          RadiusLatency.TWO_FILTERS), "uncached_filtered", p99));
      sides.put("local_tier", () -> p50(RadiusLatency.measure(localVertx, localProxy, localCalls, "HIT"), "local_tier", p99));
      sides.put("redis", () -> p50(RadiusLatency.measure(redisVertx, redisProxy, redisCalls, "HIT"), "redis", p99));
      sides.put("local_tier_event_bus",
          () -> p50(RadiusLatency.measure(localVertx, localOverBus, redisCalls, null), "local_tier_event_bus", p99));
      // a deep city page by number reads every row before it; few calls keep the quick run quick
      DeepCityPage deep = DeepCityPage.find(uncachedProxy);
      int deepCalls = 10 * mode.roundSeconds();
      sides.put("deep_page_number", () -> p50(ServiceLatency.measure(uncachedVertx, deep.byNumber(), deepCalls, null,
          DeepCityPage::check), "deep_page_number", p99));
      sides.put("deep_page_cursor", () -> p50(ServiceLatency.measure(uncachedVertx, deep.byCursor(), deepCalls, null,
          DeepCityPage::check), "deep_page_cursor", p99));
      Map<String, Samples> samples = Comparison.alternate(sides, mode.rounds());
      Comparison localSpeedup = Comparison.of("cache_speedup_local", "µs p50", "uncached", samples.get("uncached"),
          "local_tier", samples.get("local_tier"));
      Comparison redisSpeedup = Comparison.of("cache_speedup_redis", "µs p50", "uncached", samples.get("uncached"),
          "redis", samples.get("redis"));
      // filtered throughput ÷ unfiltered = unfiltered p50 ÷ filtered p50 (one call in flight)
      report.ratio("radius_filtered_vs_unfiltered", Comparison.of("radius_filtered_vs_unfiltered", "µs p50",
          "uncached", samples.get("uncached"), "uncached_filtered", samples.get("uncached_filtered")));
      report.ratio("cache_speedup_local", localSpeedup);
      report.ratio("cache_speedup_redis", redisSpeedup);
      report.detail("cache_speedup_local_event_bus", Comparison.of("cache_speedup_local_event_bus", "µs p50",
          "uncached", samples.get("uncached"), "local_tier_event_bus", samples.get("local_tier_event_bus")).toJson());
      report.detail("city_deep_page_number_vs_cursor", Comparison.of("city_deep_page_number_vs_cursor", "µs p50",
          "deep_page_number", samples.get("deep_page_number"), "deep_page_cursor", samples.get("deep_page_cursor")).toJson()
          .put("query", "byCity(" + DeepCityPage.CITY + ", page " + deep.page() + ", size " + DeepCityPage.SIZE
              + ") vs byCityAfter(the same page's cursor)")
          .put("calls_per_round", deepCalls));
      report.detail("cache_radius_query", new JsonObject()
          .put("query", "near(" + RadiusLatency.LAT + ", " + RadiusLatency.LNG + ", " + RadiusLatency.RADIUS_KM
              + " km, limit " + RadiusLatency.LIMIT + ")")
          .put("filters", RadiusLatency.TWO_FILTERS.copy())
          .put("calls_per_round", new JsonObject().put("uncached", uncachedCalls).put("uncached_filtered", uncachedCalls)
              .put("local_tier", localCalls)
              .put("redis", redisCalls).put("local_tier_event_bus", redisCalls))
          .put("last_round_p99_us", p99));
    } finally {
      for (ConsolidbNode node : new ConsolidbNode[] {uncachedNode, localNode, redisNode}) {
        if (node != null) {
          node.stop().await(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  /**
   * The analytics top-restaurants report (limit {@value #TOP_LIMIT}) over a 7-day window of the
   * loaded events, at one request in flight through the node's in-process client: a node with
   * caching off (every call runs the report on PostgreSQL, same window each time, so its buffers
   * are warm) vs a node with the local tier on (every call a local hit, checked: the cache outcome
   * is {@code HIT}), in alternating rounds, each round the p50 of a batch of calls.
   */
  private static void reportCacheScenario(Mode mode, Report report, Map<String, String> nodeEnv, Pool db)
      throws Exception {
    // The window ends a week before the newest loaded event: inside the 60 loaded days, whenever they were loaded.
    LocalDate newest = db.query("SELECT (max(occurred_at) AT TIME ZONE 'UTC')::date AS d FROM analytics_events")
        .execute().map(rows -> rows.iterator().next().getLocalDate("d")).await(1, TimeUnit.MINUTES);
    String from = newest.minusDays(14).toString();
    String to = newest.minusDays(7).toString();
    Map<String, String> uncached = new HashMap<>(nodeEnv);
    uncached.put("DB_CACHE_ENABLED", "false");
    Map<String, String> local = new HashMap<>(nodeEnv);
    local.put("DB_CACHE_ENABLED", "true");
    local.put("DB_CACHE_LOCAL_ENABLED", "true");
    int uncachedCalls = 25 * mode.roundSeconds();
    int cachedCalls = 2500 * mode.roundSeconds();
    EnumSet<Component> components = EnumSet.of(Component.QUERY, Component.CACHE, Component.ANALYTICS);
    java.util.function.Consumer<JsonObject> check = answer -> {
      if (answer.getInteger("count") != TOP_LIMIT) {
        throw new IllegalStateException("the top-restaurants report returned " + answer.getInteger("count")
            + " rows, not " + TOP_LIMIT);
      }
    };
    ConsolidbNode uncachedNode = null;
    ConsolidbNode localNode = null;
    try {
      uncachedNode = ServiceLatency.start(ConfigLoader.loadBlocking(uncached), components);
      localNode = ServiceLatency.start(ConfigLoader.loadBlocking(local), components);
      Vertx uncachedVertx = uncachedNode.vertx();
      Vertx localVertx = localNode.vertx();
      AnalyticsService uncachedProxy = ServiceLatency.sameNode(uncachedNode, AnalyticsService.class, Addresses.ANALYTICS);
      AnalyticsService localProxy = ServiceLatency.sameNode(localNode, AnalyticsService.class, Addresses.ANALYTICS);
      // The first call on the caching node is the one miss that fills the cache.
      localProxy.topRestaurants(from, to, TOP_LIMIT).await(10, TimeUnit.SECONDS);
      JsonObject p99 = new JsonObject();
      Comparison speedup = Comparison.run("cache_speedup_report", "µs p50",
          "uncached", () -> p50(ServiceLatency.measure(uncachedVertx, () -> uncachedProxy.topRestaurants(from, to, TOP_LIMIT),
              uncachedCalls, null, check), "uncached", p99),
          "local_tier", () -> p50(ServiceLatency.measure(localVertx, () -> localProxy.topRestaurants(from, to, TOP_LIMIT),
              cachedCalls, "HIT", check), "local_tier", p99),
          mode.rounds());
      report.ratio("cache_speedup_report", speedup);
      report.detail("cache_top_report", new JsonObject()
          .put("query", "topRestaurants(" + from + ", " + to + ", " + TOP_LIMIT + ")")
          .put("events", mode.events())
          .put("calls_per_round", new JsonObject().put("uncached", uncachedCalls).put("local_tier", cachedCalls))
          .put("last_round_p99_us", p99));
    } finally {
      for (ConsolidbNode node : new ConsolidbNode[] {uncachedNode, localNode}) {
        if (node != null) {
          node.stop().await(30, TimeUnit.SECONDS);
        }
      }
    }
  }

  static final int TOP_LIMIT = 10;
  static final int INGEST_CLIENTS = 4;

  /**
   * Committed analytics events/s through the node process's {@code POST /api/v1/analytics/events}
   * ({@value #INGEST_CLIENTS} clients, batches of 1000) vs {@code pgbench -n -f} running the same
   * rows as one multi-row INSERT with as many clients, alternating ({@link Ingestion}). Every
   * round's rows are removed after it, so the table stays the data set's.
   */
  private static void ingestScenario(Mode mode, Report report, NodeProcess node, Vertx vertx, Pool db,
      ExternalTools.PgTarget pg, String apiToken, Path out) throws Exception {
    JsonArray events = Ingestion.batch();
    Buffer body = events.toBuffer();
    Path script = out.resolve("ingest-multirow.sql");
    Files.writeString(script, Ingestion.multiRowInsert(events));
    URI base = URI.create(node.url("/"));
    WebClient client = WebClient.create(vertx, new WebClientOptions().setDefaultHost(base.getHost())
        .setDefaultPort(base.getPort()));
    PgConnectOptions target = new PgConnectOptions().setHost(pg.host()).setPort(pg.port()).setUser(pg.user())
        .setPassword(pg.password()).setDatabase(pg.database());
    try {
      Comparison ingest = Comparison.run("ingest_http_vs_direct", "events/s",
          "http_batch", () -> {
            try {
              return Ingestion.http(client, apiToken, body, INGEST_CLIENTS, mode.roundSeconds());
            } finally {
              Ingestion.cleanUp(db);
            }
          },
          "pgbench_multirow", () -> {
            try {
              return Ingestion.pgbench(target, null, script, INGEST_CLIENTS, mode.roundSeconds());
            } finally {
              Ingestion.cleanUp(db);
            }
          },
          mode.rounds());
      report.ratio("ingest_http_vs_direct", ingest);
    } finally {
      client.close();
    }
  }

  private static double p50(ServiceLatency.Latencies latencies, String side, JsonObject p99) {
    p99.put(side, Samples.round(latencies.micros(99)));
    return latencies.micros(50);
  }

  /** Uncached get-by-id throughput through the service proxy, metrics on ÷ off (MetricsOverhead). */
  private static void metricsScenario(Mode mode, Report report, Map<String, String> nodeEnv) throws Exception {
    Map<String, String> variables = new HashMap<>(nodeEnv);
    variables.put("HTTP_PORT", "0");
    // spread over three pairs of nodes (NodePairs): more rounds than the others take (one in the smoke test)
    int rounds = mode.name().equals("smoke") ? 1 : Math.max(mode.rounds() * 2, 6);
    Comparison comparison = MetricsOverhead.compare(ConfigLoader.loadBlocking(variables), CONCURRENCY,
        mode.roundSeconds() * 1000L, rounds, mode.restaurants());
    report.ratio("metrics_on_vs_off", comparison);
  }

  /** Uncached get-by-id throughput through the service proxy, tracing at 10 % ÷ off (TracingOverhead). */
  private static void tracingScenario(Mode mode, Report report, Map<String, String> nodeEnv, Vertx vertx)
      throws Exception {
    Map<String, String> variables = new HashMap<>(nodeEnv);
    variables.put("HTTP_PORT", "0");
    // a sampled trace's cost lands in bursts (batch exports), and the rounds are spread over three
    // pairs of nodes: more rounds than the others take (two pairs of one round in the smoke test)
    int rounds = mode.name().equals("smoke") ? 2 : Math.max(mode.rounds() * 3, 9);
    CpuAccount cpu = new CpuAccount();
    Comparison comparison = TracingOverhead.compare(vertx, ConfigLoader.loadBlocking(variables), CONCURRENCY,
        mode.roundSeconds() * 1000L, rounds, mode.restaurants(), cpu);
    report.ratio("tracing_on_vs_off", comparison);
    report.detail("tracing_cpu_us_per_lookup", cpu.toJson());
  }

  /**
   * wrk against the node process: a restaurant by id, served from the node's local cache tier
   * (warmed first and checked: {@code X-Cache: HIT}, and the node's own cache counters show local
   * hits and no misses during the rounds) vs the liveness probe of the same node.
   */
  private static void httpScenarios(Mode mode, Report report, Map<String, String> nodeEnv, Path jar, Path out,
      Vertx vertx, Pool db, ExternalTools.PgTarget pg, boolean pgbench, String apiToken) throws Exception {
    if (!mode.externalNode() || !Files.exists(jar)) {
      String reason = mode.externalNode() ? "no jar at " + jar : "smoke mode runs no node process";
      report.notMeasured("http_cached_vs_live", reason);
      report.notMeasured("http_not_modified_vs_live", reason);
      report.notMeasured("ingest_http_vs_direct", reason);
      return;
    }
    // The manifest's environment first (MALLOC_ARENA_MAX shapes the node's memory), then this run's.
    Map<String, String> processEnv = new HashMap<>(manifestEnv());
    processEnv.putAll(nodeEnv);
    // these scenarios measure what the node serves at its maximum (64 wrk connections of radius
    // reads, batches of writes), not how it sheds: room for all of them in their route classes
    processEnv.put("HTTP_SEARCHES_CONCURRENCY", "64");
    processEnv.put("HTTP_SEARCHES_QUEUE", "256");
    processEnv.put("HTTP_WRITES_CONCURRENCY", "64");
    processEnv.put("HTTP_WRITES_QUEUE", "256");
    try (NodeProcess node = NodeProcess.start(jar, manifestJvmFlags(), freePort(), processEnv, out.resolve("node.log"))) {
      if (!ExternalTools.available("wrk")) {
        report.notMeasured("http_cached_vs_live", "wrk not installed");
        report.notMeasured("http_not_modified_vs_live", "wrk not installed");
      } else {
        String restaurant = node.url(CACHED_PATH);
        node.expectCacheMark(CACHED_PATH, null); // the first read fills the cache
        node.expectCacheMark(CACHED_PATH, "HIT");
        JsonObject before = node.cacheCounters();
        Comparison http = Comparison.run("http_cached_vs_live", "requests/s",
            "restaurant_by_id", () -> ExternalTools.wrk(restaurant, WRK_CONNECTIONS, mode.roundSeconds()),
            "health_live", () -> ExternalTools.wrk(node.url("/health/live"), WRK_CONNECTIONS, mode.roundSeconds()),
            mode.rounds());
        JsonObject during = NodeProcess.delta(before, node.cacheCounters());
        if (during.getLong("local_misses") > 0 || during.getLong("local_hits") == 0) {
          throw new IllegalStateException("the cached route was not served from the local tier: " + during);
        }
        report.ratio("http_cached_vs_live", http);
        report.detail("http_cache_check", new JsonObject().put("restaurant_by_id",
            new JsonObject().put("x_cache", "HIT").put("cache_counters_during_rounds", during)));
        // a client that revalidates: If-None-Match with the current ETag, answered 304 without a body
        Map<String, String> revalidate = Map.of("If-None-Match", node.expectNotModified(CACHED_PATH));
        report.ratio("http_not_modified_vs_live", Comparison.run("http_not_modified_vs_live", "requests/s",
            "restaurant_not_modified",
            () -> ExternalTools.wrk(restaurant, WRK_CONNECTIONS, mode.roundSeconds(), null, revalidate),
            "health_live", () -> ExternalTools.wrk(node.url("/health/live"), WRK_CONNECTIONS, mode.roundSeconds()),
            mode.rounds()));
        latencyAtHalfMaximum(mode, report, node, out);
      }
      if (pgbench) {
        ingestScenario(mode, report, node, vertx, db, pg, apiToken, out);
      } else {
        report.notMeasured("ingest_http_vs_direct", "pgbench not installed");
      }
      report.rss(node.peakRssMib());
    }
  }

  /**
   * The bulkheads' goal under overload ({@link Overload}) against a node process of its own, with
   * the defaults of conf/default.yaml: {@value Overload#CONNECTIONS} connections of searches and
   * radius reads while lookups by id are measured.
   */
  private static void overloadScenario(Mode mode, Report report, Map<String, String> nodeEnv, Path jar, Path out,
      Pool db) throws Exception {
    if (!mode.externalNode() || !Files.exists(jar)) {
      report.detail("overload", new JsonObject().put("not_measured",
          mode.externalNode() ? "no jar at " + jar : "smoke mode runs no node process"));
      return;
    }
    if (!ExternalTools.available("wrk")) {
      report.detail("overload", new JsonObject().put("not_measured", "wrk not installed"));
      return;
    }
    Map<String, String> processEnv = new HashMap<>(manifestEnv());
    processEnv.putAll(nodeEnv);
    int port = freePort();
    Path log = out.resolve("node-overload.log");
    try (NodeProcess node = NodeProcess.start(jar, manifestJvmFlags(), port, processEnv, log)) {
      Overload.run(report, node, port, mode.name().equals("full") ? 30 : 15, db, out, log);
    }
  }

  private static final String CACHED_PATH = "/api/v1/restaurants/42";

  /**
   * The radius query (2 km, limit 20) around a point that moves with every request, so that no two
   * requests share a cache key (in this run or any other: each run has a fresh Redis prefix).
   * Request {@code n} of stream {@code s} asks latitude 40.60 + (n mod 20000) × 10⁻⁵ (the same
   * 0.2° band for every stream, so all streams cost PostgreSQL alike) and a longitude shifted by
   * (1000 s + n div 20000) × 10⁻⁷ (under 40 m) that keeps the keys distinct. Streams: 0 and 1 the
   * two wrk threads of the maximum-throughput run, 2 and 3 those of the latency run, 4 the
   * open-loop run, 5 the MISS probes.
   */
  static String movingPointPath(int stream, long n) {
    return String.format(java.util.Locale.ROOT,
        "/api/v1/restaurants?lat=%.7f&lng=%.7f&radius_km=2&limit=20", 40.60 + (n % 20_000) * 1e-5,
        -74.0060 - (1000L * stream + n / 20_000) * 1e-7);
  }

  /** movingPointPath in Lua: each wrk thread is one stream, from {@code firstStream} on. */
  private static String movingPointWrk(int firstStream) {
    return """
        local threads = 0
        function setup(thread)
          thread:set("stream", %d + threads)
          threads = threads + 1
        end
        local n = 0
        function request()
          n = n + 1
          local lat = 40.60 + (n %% 20000) * 0.00001
          local lng = -74.0060 - (1000 * stream + math.floor(n / 20000)) * 0.0000001
          return wrk.format("GET", string.format("/api/v1/restaurants?lat=%%.7f&lng=%%.7f&radius_km=2&limit=20", lat, lng))
        end
        """.formatted(firstStream);
  }

  /**
   * The open-loop Java client's p50/p99, kept beside wrk's figures for comparison; it is not a
   * reported ratio, so its failure (it needs more CPU than wrk on cores the node shares) is
   * recorded instead of ending the run.
   */
  private static JsonObject openLoop(URI base, int rate, int seconds, LongFunction<String> path) {
    try {
      double[] latencies = OpenLoop.latencies(base.getHost(), base.getPort(), rate, seconds, path);
      return new JsonObject().put("p50", Samples.round(latencies[0])).put("p99", Samples.round(latencies[1]));
    } catch (Exception e) {
      return new JsonObject().put("failed", String.valueOf(e.getMessage()));
    }
  }

  /**
   * p50/p99 of cached reads (the hot restaurant, a local-tier hit) and uncached reads (the moving
   * point: a sample is checked to answer {@code X-Cache: MISS}, and the node's cache counters must
   * show no hit while they run) at half of the throughput wrk measured for each. The latencies are
   * wrk's, every connection pacing itself to offer half the maximum: wrk is the same light client
   * that measured the maximum. The open-loop Java client (no coordinated omission, but several
   * times wrk's CPU per request on the two cores the node also needs) is kept beside it in the
   * details as {@code open_loop_java_client}.
   */
  private static void latencyAtHalfMaximum(Mode mode, Report report, NodeProcess node, Path out) throws Exception {
    URI base = URI.create(node.url("/"));
    int seconds = Math.max(3, mode.roundSeconds());
    double cachedMax = ExternalTools.wrk(node.url(CACHED_PATH), WRK_CONNECTIONS, mode.roundSeconds());
    ExternalTools.WrkResult cached = ExternalTools.wrkAtRate(node.url(CACHED_PATH), WRK_CONNECTIONS, seconds,
        cachedMax / 2, null, out.resolve("paced-cached.lua"));
    JsonObject cachedOpen = openLoop(base, (int) (cachedMax / 2), seconds, i -> CACHED_PATH);
    report.latency("cached_read", cached.p50Ms(), cached.p99Ms());

    // The moving point misses; the same point asked again hits (so a MISS means something).
    for (long n = 0; n < 3; n++) {
      node.expectCacheMark(movingPointPath(5, n), "MISS");
    }
    node.expectCacheMark(movingPointPath(5, 0), "HIT");
    Path script = out.resolve("moving-point.lua");
    Files.writeString(script, movingPointWrk(0));
    JsonObject before = node.cacheCounters();
    String uncachedUrl = node.url(movingPointPath(0, 0));
    double uncachedMax = ExternalTools.wrk(uncachedUrl, WRK_CONNECTIONS, mode.roundSeconds(), script);
    ExternalTools.WrkResult uncached = ExternalTools.wrkAtRate(uncachedUrl, WRK_CONNECTIONS, seconds,
        uncachedMax / 2, movingPointWrk(2), out.resolve("paced-moving-point.lua"));
    JsonObject uncachedOpen = openLoop(base, (int) Math.max(1, uncachedMax / 2), seconds, i -> movingPointPath(4, i));
    JsonObject during = NodeProcess.delta(before, node.cacheCounters());
    if (during.getLong("hits") > during.getLong("misses") / 100) {
      throw new IllegalStateException("the uncached scenario was served from the cache: " + during);
    }
    report.latency("uncached_read", uncached.p50Ms(), uncached.p99Ms());
    report.detail("latency_rates", new JsonObject()
        .put("cached_max_rps", Samples.round(cachedMax)).put("cached_offered_rps", Samples.round(cachedMax / 2))
        .put("cached_achieved_rps", Samples.round(cached.requestsPerSecond()))
        .put("uncached_max_rps", Samples.round(uncachedMax)).put("uncached_offered_rps", Samples.round(uncachedMax / 2))
        .put("uncached_achieved_rps", Samples.round(uncached.requestsPerSecond())));
    report.detail("open_loop_java_client", new JsonObject()
        .put("cached_read_ms", cachedOpen)
        .put("uncached_read_ms", uncachedOpen));
    report.detail("uncached_read_cache_check", new JsonObject().put("x_cache_sample", "MISS")
        .put("cache_counters_during_runs", during));
  }

  /** The JVM flags the Kubernetes Deployment gives the node (one source of truth). */
  static String manifestJvmFlags() throws Exception {
    String deployment = Files.readString(Path.of("k8s", "base", "deployment.yaml"));
    Matcher m = Pattern.compile("name: JAVA_TOOL_OPTIONS\\s+value: \"(-Xms[^\"]+)\"").matcher(deployment);
    if (!m.find()) {
      throw new IllegalStateException("k8s/base/deployment.yaml has no JAVA_TOOL_OPTIONS for the node container");
    }
    return m.group(1);
  }

  /**
   * The node container's other literal environment variables in k8s/base/deployment.yaml (not
   * JAVA_TOOL_OPTIONS, which {@link #manifestJvmFlags} gives as arguments; not the ones taken from
   * the pod, like CLUSTER_HOST), so the node process runs with what the Deployment sets.
   */
  /** Variables of the Deployment that name files mounted from secrets in the pod. */
  private static final Set<String> MOUNTED_FILES = Set.of("DB_SSL_ROOT_CERT", "REDIS_TLS_CA");

  @SuppressWarnings("unchecked")
  static Map<String, String> manifestEnv() throws Exception {
    Map<String, Object> deployment = new Yaml().load(Files.readString(Path.of("k8s", "base", "deployment.yaml")));
    Map<String, Object> template = (Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template");
    List<Map<String, Object>> containers = (List<Map<String, Object>>) ((Map<String, Object>) template.get("spec"))
        .get("containers");
    Map<String, String> env = new LinkedHashMap<>();
    for (Map<String, Object> entry : (List<Map<String, Object>>) containers.get(0).getOrDefault("env", List.of())) {
      Object value = entry.get("value");
      String name = entry.get("name").toString();
      // the benchmark's node runs alone, against the plaintext development servers: the cluster's
      // settings and the CA files mounted in the pod (DB_SSL_ROOT_CERT, REDIS_TLS_CA) are not its
      // nor the credentials the pod reads from its mounted secret (NAME_FILE): the harness sets them
      if (value != null && !"JAVA_TOOL_OPTIONS".equals(name) && !name.startsWith("CLUSTER_")
          && !MOUNTED_FILES.contains(name) && !name.endsWith("_FILE")) {
        env.put(name, value.toString());
      }
    }
    return env;
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
      if (List.of("--quick", "--full", "--smoke", "--scale").contains(args[i])) {
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
