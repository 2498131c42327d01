package io.consolidb.health;

import io.consolidb.Addresses;
import io.consolidb.cluster.ClusterMembership;
import io.consolidb.config.HealthSettings;
import io.consolidb.config.NodeSettings;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's health monitor (README "Health", docs/HEALTH.md). Every
 * {@code health.intervalSeconds} it runs the {@link HealthProbes} (a round is skipped while the
 * previous one is still running), turns them into a {@link HealthLevel} with {@link LevelRules},
 * and keeps the result: probes and {@code /health} read that last state and never wait on a check.
 *
 * <p>On {@link Addresses#HEALTH_STATUS} (node-local) it answers {@code {}} with the report and
 * {@code {history: limit}} with the recent rounds and level changes. Each level change is logged
 * once (WARN going down, INFO going up), published on {@link Addresses#HEALTH_ALERTS} as
 * {@code {from, to, node, reason, at}} and, when configured, POSTed to a webhook. The level is
 * also the gauge {@code consolidb.health.level} (0 HEALTHY … 3 CRITICAL); with the backup check on,
 * the age of the last good backup is the gauge {@code consolidb.backup.age.seconds}.
 *
 * <p>On a clustered node the report carries the {@link ClusterMembership}'s view, and a member
 * joining or leaving starts a round at once: the level follows the membership without waiting for
 * the next interval.
 */
public class HealthVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(HealthVerticle.class);
  static final String GAUGE = "consolidb.health.level";
  static final String BACKUP_GAUGE = "consolidb.backup.age.seconds";

  private HealthSettings settings;
  private LevelRules rules;
  private HealthProbes probes;
  private HealthHistory history;
  private AlertWebhook webhook;
  private final MeterRegistry registry;
  private Gauge gauge;
  private Gauge backupGauge;
  private String node;
  private long timer = -1;
  private boolean running;

  // the last computed state
  private HealthLevel level;
  private Instant since;
  private int consecutiveFailures;
  private JsonObject report = new JsonObject();

  private final NodeSettings nodeSettings;
  private final ClusterMembership membership;
  private final Consumer<ClusterMembership.View> onMembershipChange = view -> round();

  /** A monitor of a node outside a cluster; {@code registry} is where the level gauge goes. */
  public HealthVerticle(NodeSettings nodeSettings, MeterRegistry registry) {
    this(nodeSettings, registry, null);
  }

  /**
   * @param registry the node's registry, where the level gauge goes
   * @param membership the node's cluster membership, or null when it is not clustered
   */
  public HealthVerticle(NodeSettings nodeSettings, MeterRegistry registry, ClusterMembership membership) {
    this.nodeSettings = nodeSettings;
    this.registry = registry;
    this.membership = membership;
  }

  @Override
  public Future<?> start() {
    settings = nodeSettings.health();
    rules = new LevelRules(settings);
    probes = new HealthProbes(vertx, nodeSettings, membership);
    history = new HealthHistory(settings.historySize());
    webhook = settings.webhookEnabled() ? new AlertWebhook(vertx, settings.webhookUrl(), settings.webhookTimeoutMs()) : null;
    node = nodeName(nodeSettings.http().port());
    gauge = Gauge.builder(GAUGE, this, HealthVerticle::levelValue)
        .description("health level of this node: 0 HEALTHY, 1 DEGRADED, 2 UNHEALTHY, 3 CRITICAL")
        .strongReference(true)
        .register(registry);
    if (settings.backupCheckEnabled()) {
      backupGauge = Gauge.builder(BACKUP_GAUGE, this, HealthVerticle::backupAge)
          .description("age of the last good backup recorded in backup_runs at the last health round"
              + " (+Inf: none recorded; NaN: unknown)")
          .baseUnit("seconds")
          .strongReference(true)
          .register(registry);
    }
    MessageConsumer<Object> consumer = vertx.eventBus().localConsumer(Addresses.HEALTH_STATUS, this::onStatus);
    // The first round completes before start does: once deployed, the node always has a level.
    // A warm-up round runs before it and is discarded: on a cold JVM the first checks load
    // classes and open the first connections, which shows up as a late event loop and a slow
    // database and would start every node with a false alarm.
    return consumer.completion()
        .compose(v -> probes.run().<Void>mapEmpty().recover(e -> Future.succeededFuture()))
        .compose(v -> {
          // before the first round: a change while it runs is in its reading, a later one starts another
          if (membership != null) {
            membership.addListener(context, onMembershipChange);
          }
          return round();
        })
        .onSuccess(v -> {
          timer = vertx.setPeriodic(settings.intervalMs(), id -> round());
          LOG.info("health: checking every {} ms ({})", settings.intervalMs(), settings);
        });
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(timer);
    if (membership != null) {
      membership.removeListener(onMembershipChange);
    }
    if (gauge != null) {
      registry.remove(gauge);
    }
    if (backupGauge != null) {
      registry.remove(backupGauge);
    }
    Future<Void> closed = probes == null ? Future.succeededFuture() : probes.close();
    return webhook == null ? closed : closed.eventually(webhook::close);
  }

  private double levelValue() {
    return level == null ? Double.NaN : level.ordinal();
  }

  private double backupAge() {
    JsonObject checks = report.getJsonObject("checks");
    JsonObject backup = checks == null ? null : checks.getJsonObject(HealthProbes.BACKUP);
    if (backup == null || LevelRules.DOWN.equals(backup.getString("status"))) {
      return Double.NaN;
    }
    Long age = backup.getLong("age_seconds");
    return age == null ? Double.POSITIVE_INFINITY : age;
  }

  /** One round; never fails (an unexpected failure is logged and the last state kept). */
  private Future<Void> round() {
    if (running) {
      return Future.succeededFuture();
    }
    running = true;
    return probes.run()
        .<Void>map(result -> {
          record(result);
          return null;
        })
        .transform(done -> {
          running = false;
          if (done.failed()) {
            LOG.error("health: a round of checks failed unexpectedly: {}", done.cause().toString());
          }
          return Future.<Void>succeededFuture();
        });
  }

  private void record(JsonObject round) {
    Instant now = Instant.now();
    JsonObject checks = round.getJsonObject("checks");
    LevelRules.Assessment assessment = rules.evaluate(checks, consecutiveFailures);
    consecutiveFailures = assessment.consecutiveFailures();
    HealthLevel previous = level;
    if (assessment.level() != previous) {
      level = assessment.level();
      since = now;
      transition(previous, assessment, now);
    }
    JsonObject database = checks.getJsonObject(HealthProbes.DATABASE, new JsonObject());
    JsonObject pool = checks.getJsonObject(HealthProbes.POOL, new JsonObject());
    report = new JsonObject()
        .put("status", level.name())
        .put("node", node)
        .put("since", since.toString())
        .put("checked_at", now.toString())
        .put("consecutive_failures", consecutiveFailures)
        .put("response_time_ms", database.getValue("response_time_ms"))
        .put("checks", checks)
        .put("connection_pool", connectionPool(pool))
        .put("cache", round.getJsonObject("cache"))
        .put("cluster", round.getJsonObject("cluster"));
    if (!assessment.reasons().isEmpty()) {
      report.put("reason", assessment.reason());
    }
    if (pool.getValue("replicas") != null) {
      report.put("replicas", pool.getValue("replicas"));
    }
    JsonArray failing = new JsonArray();
    checks.forEach(e -> {
      if (!LevelRules.UP.equals(((JsonObject) e.getValue()).getString("status"))) {
        failing.add(e.getKey());
      }
    });
    JsonObject summary = new JsonObject()
        .put("at", now.toString())
        .put("status", level.name())
        .put("response_time_ms", database.getValue("response_time_ms"))
        .put("consecutive_failures", consecutiveFailures)
        .put("not_up", failing);
    if (!assessment.reasons().isEmpty()) {
      summary.put("reason", assessment.reason());
    }
    history.addRound(summary);
  }

  private static JsonObject connectionPool(JsonObject pool) {
    JsonObject out = new JsonObject();
    for (String key : new String[] {"size", "active", "idle", "waiting", "max_size", "utilization"}) {
      out.put(key, pool.getValue(key));
    }
    return out;
  }

  private void transition(HealthLevel from, LevelRules.Assessment to, Instant at) {
    String reason = to.reasons().isEmpty() ? "all checks pass" : to.reason();
    JsonObject alert = new JsonObject()
        .put("from", from == null ? "UNKNOWN" : from.name())
        .put("to", to.level().name())
        .put("node", node)
        .put("reason", reason)
        .put("at", at.toString());
    history.addTransition(alert);
    if (to.level().worseThan(from)) {
      LOG.warn("health: {} -> {} on {}: {}", alert.getString("from"), to.level(), node, reason);
    } else {
      LOG.info("health: {} -> {} on {}: {}", alert.getString("from"), to.level(), node, reason);
    }
    vertx.eventBus().publish(Addresses.HEALTH_ALERTS, alert);
    if (webhook != null) {
      webhook.post(alert); // logs its own failures; never part of the health state
    }
  }

  private void onStatus(Message<Object> message) {
    if (message.body() instanceof JsonObject request && request.getValue("history") instanceof Number limit) {
      message.reply(history.toJson(Math.max(1, Math.min(limit.intValue(), settings.historySize()))));
      return;
    }
    message.reply(report);
  }

  /** {@code HOSTNAME} (the pod name on Kubernetes) or the JVM's host name, with the HTTP port. */
  private static String nodeName(int httpPort) {
    String host = System.getenv("HOSTNAME");
    if (host == null || host.isBlank()) {
      String jvm = ManagementFactory.getRuntimeMXBean().getName(); // pid@host
      host = jvm.substring(jvm.indexOf('@') + 1);
    }
    return host + ":" + httpPort;
  }
}
