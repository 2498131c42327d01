package io.consolidb.node;

import io.consolidb.cache.CacheVerticle;
import io.consolidb.analytics.AnalyticsVerticle;
import io.consolidb.cluster.HazelcastClusterConfig;
import io.consolidb.config.NodeSettings;
import io.consolidb.health.HealthVerticle;
import io.consolidb.http.HttpVerticle;
import io.consolidb.metrics.Meters;
import io.consolidb.metrics.MetricsVerticle;
import io.consolidb.query.QueryVerticle;
import io.consolidb.restaurant.RestaurantVerticle;
import io.consolidb.user.UserVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consolidb node: a Vert.x instance (clustered or not) with the query verticle, the health
 * monitor, the schema bootstrap, the service verticles and the HTTP API deployed in dependency order.
 */
public final class ConsolidbNode {

  /** What a node runs; tests deploy subsets (e.g. a cluster member without a restaurant service). */
  public enum Component { QUERY, HEALTH, METRICS, SCHEMA, CACHE, RESTAURANTS, USERS, ANALYTICS, HTTP }

  private static final Logger log = LoggerFactory.getLogger(ConsolidbNode.class);

  private final Vertx vertx;
  private final NodeSettings settings;
  private final SchemaBootstrap schema;
  private final List<String> deployments = new ArrayList<>();

  private ConsolidbNode(Vertx vertx, NodeSettings settings) {
    this.vertx = vertx;
    this.settings = settings;
    this.schema = new SchemaBootstrap(vertx, settings.database());
  }

  /** Creates the Vert.x instance the settings ask for: clustered over Hazelcast or standalone. */
  public static Future<Vertx> createVertx(NodeSettings settings) {
    VertxOptions options = new VertxOptions();
    if (settings.metricsEnabled()) {
      options.setMetricsOptions(Meters.vertxOptions());
    }
    if (!settings.cluster().enabled()) {
      return Future.succeededFuture(Vertx.builder().with(options).build());
    }
    options.setEventBusOptions(new EventBusOptions().setHost(settings.cluster().host()));
    return Vertx.builder().with(options)
        .withClusterManager(HazelcastClusterConfig.clusterManager(settings.cluster()))
        .buildClustered();
  }

  /** Deploys every component. */
  public static Future<ConsolidbNode> deploy(Vertx vertx, NodeSettings settings) {
    return deploy(vertx, settings, EnumSet.allOf(Component.class));
  }

  /** Deploys the given components in dependency order; fails if any verticle fails to start. */
  public static Future<ConsolidbNode> deploy(Vertx vertx, NodeSettings settings, Set<Component> components) {
    ConsolidbNode node = new ConsolidbNode(vertx, settings);
    DeploymentOptions options = new DeploymentOptions().setConfig(settings.json());
    Future<Void> chain = Future.succeededFuture();
    if (components.contains(Component.QUERY)) {
      chain = chain.compose(v -> node.deploy(new QueryVerticle(), options));
    }
    if (components.contains(Component.HEALTH)) {
      chain = chain.compose(v -> node.deploy(new HealthVerticle(), options));
    }
    if (components.contains(Component.METRICS)) {
      chain = chain.compose(v -> node.deploy(new MetricsVerticle(), options));
    }
    if (components.contains(Component.SCHEMA)) {
      chain = chain.compose(v -> node.schema.start());
    }
    if (components.contains(Component.CACHE)) {
      chain = chain.compose(v -> node.deploy(new CacheVerticle(), options));
    }
    if (components.contains(Component.RESTAURANTS)) {
      chain = chain.compose(v -> node.deploy(new RestaurantVerticle(), options));
    }
    if (components.contains(Component.USERS)) {
      chain = chain.compose(v -> node.deploy(new UserVerticle(), options));
    }
    if (components.contains(Component.ANALYTICS)) {
      chain = chain.compose(v -> node.deploy(new AnalyticsVerticle(), options));
    }
    if (components.contains(Component.HTTP)) {
      chain = chain.compose(v -> node.deploy(new HttpVerticle(), options));
    }
    return chain.map(node).onSuccess(n -> log.info("node: started ({}, components {}, cluster {})",
        settings.environment().fileName(), components, settings.cluster().enabled() ? "on" : "off"));
  }

  private Future<Void> deploy(io.vertx.core.Deployable verticle, DeploymentOptions options) {
    return vertx.deployVerticle(verticle, options).onSuccess(deployments::add).mapEmpty();
  }

  public Vertx vertx() {
    return vertx;
  }

  public NodeSettings settings() {
    return settings;
  }

  /** Undeploys the verticles in reverse order (HTTP first, pool last); leaves Vert.x running. */
  public Future<Void> undeploy() {
    schema.stop();
    Future<Void> chain = Future.succeededFuture();
    for (int i = deployments.size() - 1; i >= 0; i--) {
      String id = deployments.get(i);
      chain = chain.compose(v -> vertx.undeploy(id).recover(e -> Future.succeededFuture()));
    }
    return chain;
  }
}
