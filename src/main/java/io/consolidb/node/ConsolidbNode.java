package io.consolidb.node;

import io.consolidb.Addresses;
import io.consolidb.analytics.AnalyticsVerticle;
import io.consolidb.cache.CacheVerticle;
import io.consolidb.cache.NodeCache;
import io.consolidb.cluster.CallerTokens;
import io.consolidb.cluster.ClusterMembership;
import io.consolidb.cluster.HazelcastClusterConfig;
import io.consolidb.config.ClusterSettings;
import io.consolidb.config.DatabaseSettings;
import io.consolidb.config.NodeSettings;
import io.consolidb.health.HealthVerticle;
import io.consolidb.http.HttpVerticle;
import io.consolidb.idempotency.KeyPurgeVerticle;
import io.consolidb.metrics.Meters;
import io.consolidb.metrics.MetricsVerticle;
import io.consolidb.metrics.QueryObserver;
import io.consolidb.metrics.QueryStats;
import io.consolidb.metrics.ServiceStats;
import io.consolidb.query.QueryClient;
import io.consolidb.query.QueryEndpoint;
import io.consolidb.query.QueryResult;
import io.consolidb.query.QueryVerticle;
import io.consolidb.query.Transactions;
import io.consolidb.restaurant.RestaurantVerticle;
import io.consolidb.service.InProcessServices;
import io.consolidb.tracing.RequestId;
import io.consolidb.tracing.Tracing;
import io.consolidb.user.UserVerticle;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consolidb node: the wiring. It builds the node's shared pieces once — the settings' typed
 * sections, the meter registry, the cache, the recent-query statistics — and hands each verticle
 * what it needs through its constructor, then deploys the verticles in dependency order. No
 * component looks another up in a registry: what a component uses is what it was given here.
 */
public final class ConsolidbNode {

  /** What a node runs; tests deploy subsets (e.g. a cluster member without a restaurant service). */
  public enum Component { QUERY, HEALTH, METRICS, SCHEMA, CACHE, RESTAURANTS, USERS, ANALYTICS, KEY_PURGE, HTTP }

  private static final Logger log = LoggerFactory.getLogger(ConsolidbNode.class);
  /** EXPLAINs of the slow-query report each give up after this. */
  private static final long EXPLAIN_TIMEOUT_MS = MetricsVerticle.EXPLAIN_TIMEOUT_MS;

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final NodeSettings settings;
  private final MeterRegistry registry;
  private final NodeCache cache;
  private final QueryStats queryStats = new QueryStats();
  private final InProcessServices inProcess;
  /** Built with the node so that {@link #transactions()} exists before the query verticle starts. */
  private final QueryEndpoint queryEndpoint;
  /** What the node's services query with: in-process to its query verticle, through its cache. */
  private final QueryClient queries;
  /** The tokens clustered calls carry, or null when callers are not checked (standalone, or no secret). */
  private final CallerTokens tokens;
  private final SchemaVerticle schema;
  private final ClusterMembership membership;
  /** In order of deployment; the schema's runs beside the others, so it may be added from another thread. */
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  /** The deployments of the service verticles, among {@link #deployments}. */
  private final List<String> services = new CopyOnWriteArrayList<>();
  /** Set by {@link #shutDown}: readiness answers 503 from then on. */
  private volatile boolean draining;

  private ConsolidbNode(Vertx vertx, boolean ownsVertx, MeterRegistry registry, NodeSettings settings,
      Set<Component> components) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
    this.settings = settings;
    this.registry = registry;
    // warming runs a hot key's query again through a client of its own (no cache: the cache fills itself)
    QueryClient replays = new QueryClient(vertx, settings.database().queryTimeoutMs());
    this.cache = components.contains(Component.CACHE) && settings.cache().enabled()
        ? new NodeCache(vertx, settings.cache(), settings.redis(), registry, this::otherMembers,
            request -> replays.query(request).map(QueryResult::rows)) : null;
    this.schema = components.contains(Component.SCHEMA) ? new SchemaVerticle(settings.database()) : null;
    // a clustered node watches the membership: health, a gauge, and a change drops the local tier
    this.membership = vertx.isClustered()
        ? new ClusterMembership(registry, cache == null ? null : cache::dropLocalTier) : null;
    // a service call made for an HTTP request carries its id to the node that serves it
    RequestId.propagateOverEventBus(vertx);
    ClusterSettings cluster = settings.cluster();
    this.tokens = cluster.authenticatesCallers() && vertx.isClustered()
        ? new CallerTokens(vertx, cluster.secret(), cluster.host() + ":" + cluster.eventBusPort()) : null;
    if (tokens != null) {
      // what this node sends to other members is signed; what it serves must be
      tokens.signOutgoing(vertx, CLUSTERED_ADDRESSES);
    }
    this.inProcess = new InProcessServices(tokens == null ? null : tokens.serviceInterceptor());
    this.queryEndpoint = new QueryEndpoint(cache);
    this.queries = new QueryClient(vertx, settings.database().queryTimeoutMs(), cache, queryEndpoint);
  }

  /** The addresses other members call or publish to: their messages carry a token. */
  static final Set<String> CLUSTERED_ADDRESSES = Set.of(Addresses.RESTAURANTS, Addresses.USERS,
      Addresses.ANALYTICS, Addresses.CACHE_INVALIDATIONS);

  /** Starts a node with every component, on a Vert.x of its own (clustered when configured). */
  public static Future<ConsolidbNode> start(NodeSettings settings) {
    return start(settings, EnumSet.allOf(Component.class));
  }

  /**
   * Starts a node with the given components on a Vert.x of its own, whose built-in metrics go to
   * the node's registry; {@link #stop} closes it.
   */
  public static Future<ConsolidbNode> start(NodeSettings settings, Set<Component> components) {
    MeterRegistry registry = Meters.registry(settings.metricsEnabled());
    return createVertx(settings, registry).compose(vertx -> new ConsolidbNode(vertx, true, registry, settings,
            components).deploy(components)
        .recover(failure -> vertx.close().transform(closed -> Future.failedFuture(failure))));
  }

  /**
   * Deploys the given components on a Vert.x the caller owns (and closes); their meters go to
   * {@code registry} (Vert.x's built-in meters only if that Vert.x was built with it).
   */
  public static Future<ConsolidbNode> deploy(Vertx vertx, MeterRegistry registry, NodeSettings settings,
      Set<Component> components) {
    return new ConsolidbNode(vertx, false, registry, settings, components).deploy(components);
  }

  /**
   * The Vert.x instance the settings ask for, clustered over Hazelcast or standalone, whose
   * built-in metrics go to {@code registry} when it is exported.
   */
  public static Future<Vertx> createVertx(NodeSettings settings, MeterRegistry registry) {
    VertxOptions options = new VertxOptions();
    OpenTelemetrySdk tracing = settings.tracing().enabled() ? Tracing.sdk(settings.tracing(), registry) : null;
    if (!settings.cluster().enabled()) {
      return Future.succeededFuture(builder(options, registry, tracing).build())
          .onSuccess(vertx -> registerTracing(vertx, tracing));
    }
    options.setEventBusOptions(HazelcastClusterConfig.eventBusOptions(settings.cluster()));
    VertxBuilder builder = builder(options, registry, tracing)
        .withClusterManager(HazelcastClusterConfig.clusterManager(settings.cluster()));
    return builder.buildClustered().onSuccess(vertx -> registerTracing(vertx, tracing)).onFailure(e -> {
      if (tracing != null) {
        tracing.shutdown(); // closes its exporter; nothing of it outlives the failed start
      }
    });
  }

  /** Metrics to {@code registry}, spans to {@code tracing} (when on), flushes batched ({@link FlushBatchingTransport}). */
  private static VertxBuilder builder(VertxOptions options, MeterRegistry registry, OpenTelemetrySdk tracing) {
    VertxBuilder builder = Meters.vertxBuilder(options, registry).withTransport(FlushBatchingTransport.TRANSPORT);
    return tracing == null ? builder : Tracing.traced(builder, tracing);
  }

  private static void registerTracing(Vertx vertx, OpenTelemetrySdk tracing) {
    if (tracing != null) {
      Tracing.register(vertx, tracing);
    }
  }

  /** Deploys the components in dependency order; fails if any verticle fails to start. */
  private Future<ConsolidbNode> deploy(Set<Component> components) {
    DatabaseSettings database = settings.database();
    // Flyway (a JDBC connection, the history table, the checksums: about a second of the start)
    // runs beside the start of the cache, query and metrics verticles, which need no table; from
    // the health verticle on (its first round reads backup_runs, warming reads the hot keys'
    // tables), everything waits for its first attempt, as before.
    Future<Void> schemaMigrated = components.contains(Component.SCHEMA) ? deploy(schema) : Future.succeededFuture();
    Future<Void> chain = membership == null ? Future.succeededFuture() : deploy(membership);
    if (components.contains(Component.CACHE)) {
      logCache();
      chain = chain.compose(v -> deploy(tokens == null ? new CacheVerticle(cache, database.connectOptions())
          : new CacheVerticle(cache, database.connectOptions(), tokens::verifyMember)));
    }
    if (components.contains(Component.QUERY)) {
      QueryObserver observer = new QueryObserver(registry, Meters.exported(registry), queryStats,
          database.slowQueryThresholdMs());
      chain = chain.compose(v -> deploy(new QueryVerticle(database, observer, queryEndpoint)));
    }
    if (components.contains(Component.METRICS)) {
      chain = chain.compose(v -> deploy(new MetricsVerticle(settings.metrics(), settings.http().host(), registry,
          queryStats, new QueryClient(vertx, EXPLAIN_TIMEOUT_MS), cache == null ? null : cache::summary)));
    }
    chain = chain.compose(v -> schemaMigrated);
    // after the cache and the query verticle: its first round, run during start, sees both
    if (components.contains(Component.HEALTH)) {
      chain = chain.compose(v -> deploy(new HealthVerticle(settings, registry, membership)));
    }
    if (cache != null && components.contains(Component.QUERY)) {
      // the cluster's hot keys, before the services register: their first callers find them cached
      // (bounded by DB_CACHE_WARM_BUDGET_MS; never fails the start)
      chain = chain.compose(v -> cache.warmAtStart());
    }
    if (components.contains(Component.RESTAURANTS)) {
      chain = chain.compose(v -> deployService(new RestaurantVerticle(queries, inProcess)));
    }
    if (components.contains(Component.USERS)) {
      chain = chain.compose(v -> deployService(new UserVerticle(queries, new ServiceStats("users", registry), inProcess)));
    }
    if (components.contains(Component.ANALYTICS)) {
      chain = chain.compose(v -> deployService(new AnalyticsVerticle(queries, new ServiceStats("analytics", registry),
          settings.cache().ttlSeconds(), inProcess)));
    }
    if (components.contains(Component.KEY_PURGE)) {
      chain = chain.compose(v -> deploy(new KeyPurgeVerticle(queries, settings.idempotency())));
    }
    if (components.contains(Component.HTTP)) {
      chain = chain.compose(v -> deploy(new HttpVerticle(settings, registry, inProcess, this::notReady)));
    }
    return chain.map(this).onSuccess(n -> log.info("node: started ({}, components {}, cluster {})",
        settings.environment().fileName(), components, settings.cluster().enabled() ? "on" : "off"));
  }

  private void logCache() {
    if (cache == null) {
      return; // the cache verticle says it is off
    }
    log.info("cache: local tier {}, Redis {} (prefix {}, timeout {} ms), default TTL {} s, warming {}",
        settings.cache().localEnabled() ? "up to " + settings.cache().maxEntries() + " entries" : "off",
        settings.redis().enabled() ? settings.redis().maskedUrl() : "off", settings.cache().keyPrefix(),
        settings.redis().timeoutMs(), settings.cache().ttlSeconds(),
        settings.cache().warm().enabled() ? "the hottest " + settings.cache().warm().keys() + " keys" : "off");
  }

  private Future<Void> deploy(Deployable verticle) {
    return deployed(verticle).mapEmpty();
  }

  /** A service verticle: on shutdown its registration goes first, so other members stop sending here. */
  private Future<Void> deployService(Deployable verticle) {
    return deployed(verticle).onSuccess(services::add).mapEmpty();
  }

  /** Deploys {@code verticle} and records its deployment id. */
  private Future<String> deployed(Deployable verticle) {
    return vertx.deployVerticle(verticle).onSuccess(deployments::add);
  }

  /** Why {@code /health/ready} must answer 503 whatever the node's health, or null. */
  private String notReady() {
    if (draining) {
      return "the node is shutting down";
    }
    // without a schema component the schema is someone else's to migrate: ready as far as we know
    return schema == null || schema.ready() ? null : "the schema is not migrated yet";
  }

  /**
   * The orderly stop a SIGTERM asks for: readiness answers 503 at once while the node keeps
   * serving for the drain period (load balancers and Kubernetes endpoints notice and stop sending
   * here), then the service registrations go (other members stop sending here; this node's own
   * callers fall back to them), then everything else in reverse order of deployment — HTTP first,
   * letting requests in flight finish — and Vert.x closes, leaving the cluster.
   */
  public Future<Void> shutDown() {
    draining = true;
    long drainMs = (long) (settings.shutdown().drainSeconds() * 1000);
    log.info("node: shutting down: readiness answers 503; still serving for {} ms", drainMs);
    Future<Void> drained = drainMs == 0 ? Future.succeededFuture()
        : Future.future(promise -> vertx.setTimer(drainMs, id -> promise.complete()));
    return drained.compose(v -> {
      log.info("node: drain over: unregistering services, then stopping");
      Future<Void> chain = Future.succeededFuture();
      for (String id : List.copyOf(services)) {
        chain = chain.compose(x -> vertx.undeploy(id).recover(e -> Future.succeededFuture()))
            .onComplete(x -> deployments.remove(id));
      }
      return chain;
    }).compose(v -> stop());
  }

  public Vertx vertx() {
    return vertx;
  }

  public NodeSettings settings() {
    return settings;
  }

  /** The node's meter registry. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The node's cache, or null when it does not cache (caching off, or no cache component). */
  public NodeCache cache() {
    return cache;
  }

  /** How many other members this node sees (they acknowledge its cache invalidations); 0 standalone. */
  private int otherMembers() {
    ClusterMembership.View view = membership == null ? null : membership.view();
    return view == null ? 0 : Math.max(0, view.size() - 1);
  }

  /** The cluster membership this node sees, or null when it is not clustered. */
  public ClusterMembership membership() {
    return membership;
  }

  /** The services this node serves, for same-node callers ({@link InProcessServices#inProcessOrProxy}). */
  public InProcessServices inProcess() {
    return inProcess;
  }

  /**
   * Transactions as code for verticles deployed beside the node (README "Event-bus API"); their runs
   * fail with 503 unless this node's query component is running.
   */
  public Transactions transactions() {
    return queryEndpoint.transactions();
  }

  /**
   * The query client this node's services use, for verticles deployed beside the node: statements
   * reach its query verticle in-process (no event-bus message) and cached reads go through its
   * cache in-process; while the query component is not running they answer 503.
   */
  public QueryClient queries() {
    return queries;
  }

  /** Undeploys the verticles in reverse order (HTTP first, pool last); leaves Vert.x running. */
  public Future<Void> undeploy() {
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id).recover(e -> Future.succeededFuture()));
    }
    deployments.clear();
    services.clear();
    return chain;
  }

  /** Undeploys, then closes the node's Vert.x if the node started it. */
  public Future<Void> stop() {
    return undeploy().compose(v -> ownsVertx
        // queued spans go out on this Vert.x (VertxSpanSender): flushed while it can still send them
        ? Tracing.flush(vertx).compose(f -> vertx.close()).onComplete(closed -> Tracing.shutdown(vertx))
        : Future.succeededFuture());
  }
}
